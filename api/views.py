"""The REST API: thin views that parse input, call the same services as the web pages, and
render the result.

Every queryset starts from `Model.objects.visible_to(request.user)` (reads) or
`changeable_by(request.user)` (writes), so another clinic's or patient's object answers 404.
Roles are checked by the classes in api/permissions.py. Services raise Django's
ValidationError, which api/exceptions.py turns into DRF's 400 with field messages.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as RequestInvalid
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import two_factor
from accounts.services import device_token_create
from accounts.views import locked_out
from exercises.models import ProgramTemplate
from patients import services
from patients.models import Alert, Patient, Plan, PlanExercise, PlanWeek, SessionExercise, SessionLog
from patients.progression_selectors import progression_notice_open_for
from patients.progression_services import plan_progression_refresh_if_stale, progression_override
from patients.selectors import patient_of_user, plan_exercises_up_to_week, plan_live_for

from . import plan_serializers as ps
from . import serializers as s
from .authentication import UserTokenAuthentication
from .filters import AlertFilter, PlanFilter, SessionFilter
from .permissions import IsPatient, IsPatientOrTherapist, IsTherapist, ReadsAlerts
from .schema import ErrorSerializer
from .throttling import TokenThrottle


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Answers every method at an unknown address under /api/ with a JSON 404."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    def initial(self, request, *args, **kwargs):
        raise NotFound()


# --- Auth ----------------------------------------------------------------------------------


class TokenView(APIView):
    """POST: exchange a username and password for an API token for this device
    (`Authorization: Token <token>`). DELETE: end the token the request carries."""

    throttle_classes = [TokenThrottle]

    def _logging_in(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        # Logging in reads no credentials; ending a token needs that token.
        return [] if self._logging_in() else [UserTokenAuthentication()]

    def get_permissions(self):
        return [AllowAny()] if self._logging_in() else [IsAuthenticated()]

    def get_throttles(self):
        return super().get_throttles() if self._logging_in() else []  # only logging in is limited

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token for this device",
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        serializer = s.TokenRequestSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # django-axes marks the request it saw in authenticate(): the same lockout as the
            # login page, answered as JSON 429.
            if getattr(request, "axes_locked_out", False):
                return locked_out(request._request)
            raise RequestInvalid(serializer.errors)
        user = serializer.validated_data["user"]
        if otp_error := two_factor.api_otp_error(user, serializer.validated_data.get("otp")):
            raise RequestInvalid({"otp": [otp_error]})
        device, token = device_token_create(user=user, name=serializer.validated_data.get("device", ""))
        return Response(
            s.TokenSerializer({"token": token, "expiry": device.expiry, "device": device.pk}).data
        )

    @extend_schema(
        operation_id="auth_token_destroy",
        summary="End the token this request carries (log this device out)",
        request=None,
        responses={204: None, 401: ErrorSerializer},
        tags=["auth"],
    )
    def delete(self, request):
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Library: api/library_views.py ----------------------------------------------------------


# --- Patients ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List your patients"),
    retrieve=extend_schema(summary="Read one of your patients"),
    create=extend_schema(
        summary="Add a patient to your caseload",
        request=s.PatientCreateSerializer,
        responses={201: s.PatientSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a patient's details",
        description=(
            "A new `email` does not replace the address in force: a confirmation link is mailed to "
            "it, the old address is told, and the answer shows it in `email_pending` until the "
            "patient, logged in, confirms it from that link. Password reset links go to `email` only."
        ),
        request=s.PatientWriteSerializer,
        responses={200: s.PatientSerializer},
    ),
)
class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.PatientSerializer
    permission_classes = [IsTherapist]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Patient.objects.visible_to(self.request.user)
            .select_related("user__email_change", "reminder_settings")
            .order_by("user__last_name", "user__first_name", "pk")
        )

    def create(self, request):
        serializer = s.PatientCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = services.patient_create(
            therapist=request.user,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data.get("email", ""),
            password=data.get("password") or None,
            timezone_name=data.get("timezone"),
            baseline_pain=data.get("baseline_pain"),
            language=data.get("language"),
        )
        return Response(s.PatientSerializer(patient).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        patient = get_object_or_404(
            Patient.objects.changeable_by(request.user).select_related("user", "clinic"), pk=pk
        )
        serializer = s.PatientWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        patient = services.patient_update(
            patient=patient,
            by=request.user,
            base_url=request.build_absolute_uri("/"),
            **serializer.validated_data,
        )
        patient = get_object_or_404(self.get_queryset(), pk=patient.pk)
        return Response(s.PatientSerializer(patient).data)


# --- Plans ---------------------------------------------------------------------------------

PLAN_WEEKS = Prefetch(
    "weeks",
    queryset=PlanWeek.objects.order_by("number").prefetch_related(
        Prefetch(
            "exercises", queryset=PlanExercise.objects.select_related("exercise").order_by("order", "pk")
        )
    ),
)


def plan_edit_errors(error: ValidationError) -> dict:
    """plan_edit's refusals as the API shows them: targets by exercise slug and rules by week,
    each by field; the messages are the ones the portal's plan page shows."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    out: dict = {}
    for key, items in error.error_dict.items():
        for item in items:
            params = item.params or {}
            message = item.messages[0]
            if key == "targets":
                where = out.setdefault(key, {}).setdefault(params["slug"], {})
            elif key == "rules":
                where = out.setdefault(key, {}).setdefault(str(params["week"]), {})
            else:
                out.setdefault(key, []).append(message)
                continue
            where.setdefault(params["field"], []).append(message)
    return out


def _plan_edit(**changes) -> Plan:
    try:
        return services.plan_edit(**changes)
    except ValidationError as error:
        raise RequestInvalid(plan_edit_errors(error)) from error


@extend_schema_view(
    list=extend_schema(summary="List your patients' plans (all versions)"),
    retrieve=extend_schema(summary="Read a plan with its weeks, exercises and targets"),
    create=extend_schema(
        summary="Create a draft plan from a program template, with per-exercise targets",
        request=ps.PlanCreateSerializer,
        responses={201: ps.PlanSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a plan",
        description=(
            "A draft is changed in place (200). An approved or paused plan is frozen: the "
            "change makes a new draft version, returned with 201, which needs approval again; "
            "the old version stays readable."
        ),
        request=ps.PlanUpdateSerializer,
        responses={200: ps.PlanSerializer, 201: ps.PlanSerializer},
    ),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsTherapist]
    filterset_class = PlanFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return ps.PlanSummarySerializer if self.action == "list" else ps.PlanSerializer

    def get_queryset(self):
        queryset = Plan.objects.visible_to(self.request.user).select_related("template")
        if self.action == "list":
            return queryset.order_by("patient_id", "-version")
        return queryset.prefetch_related(PLAN_WEEKS)

    def _plan(self, pk, *, change: bool) -> Plan:
        manager = Plan.objects.changeable_by if change else Plan.objects.visible_to
        return get_object_or_404(manager(self.request.user).select_related("patient"), pk=pk)

    def _render(self, plan: Plan, code=status.HTTP_200_OK) -> Response:
        plan = get_object_or_404(self.get_queryset(), pk=plan.pk)
        return Response(ps.PlanSerializer(plan).data, status=code)

    def create(self, request):
        serializer = ps.PlanCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = Patient.objects.changeable_by(request.user).filter(pk=data["patient"]).first()
        if patient is None:
            raise ValidationError({"patient": _("None of your patients has this id.")})
        template = (
            ProgramTemplate.objects.visible_to(request.user)
            .filter(is_active=True, slug=data["template"])
            .first()
        )
        if template is None:
            raise ValidationError({"template": _("No program offered for new plans has this slug.")})
        with transaction.atomic():
            plan = services.plan_create_from_template(
                patient=patient,
                template=template,
                start_date=data["start_date"],
                confirm_start_date=data["confirm_start_date"],
                by=request.user,
                note_to_patient=data.get("note_to_patient", ""),
            )
            if data.get("targets"):
                _plan_edit(plan=plan, by=request.user, targets=data["targets"])
        return self._render(plan, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        plan = self._plan(pk, change=True)
        serializer = ps.PlanUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            revised = plan.is_live
            if revised:
                plan = services.plan_revise(plan=plan, by=request.user)
            plan = _plan_edit(
                plan=plan,
                by=request.user,
                start_date=data.get("start_date"),
                confirm_start_date=data["confirm_start_date"],
                note_to_patient=data.get("note_to_patient"),
                targets=data.get("targets"),
                rules={rule.pop("week"): rule for rule in data.get("rules", [])},
            )
        return self._render(plan, status.HTTP_201_CREATED if revised else status.HTTP_200_OK)

    @extend_schema(
        summary="All versions of this plan's patient, newest first",
        responses={200: ps.PlanSummarySerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def versions(self, request, pk=None):
        plan = self._plan(pk, change=False)
        versions = (
            Plan.objects.visible_to(request.user)
            .filter(patient_id=plan.patient_id)
            .select_related("template")
            .order_by("-version")
        )
        return Response(ps.PlanSummarySerializer(versions, many=True).data)

    @extend_schema(summary="Approve a draft plan", request=None, responses={200: ps.PlanSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request, pk=None):
        plan = services.plan_approve(plan=self._plan(pk, change=True), by=request.user)
        return self._render(plan)

    @extend_schema(
        summary="Pause an approved plan", request=ps.PlanPauseSerializer, responses={200: ps.PlanSerializer}
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def pause(self, request, pk=None):
        plan = self._plan(pk, change=True)
        serializer = ps.PlanPauseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_pause(
            plan=plan, by=request.user, reason=serializer.validated_data.get("reason", "")
        )
        return self._render(plan)

    @extend_schema(summary="Resume a paused plan", request=None, responses={200: ps.PlanSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def resume(self, request, pk=None):
        plan = services.plan_resume(plan=self._plan(pk, change=True), by=request.user)
        return self._render(plan)

    @extend_schema(
        summary="Complete an approved or paused plan", request=None, responses={200: ps.PlanSerializer}
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def complete(self, request, pk=None):
        plan = services.plan_complete(plan=self._plan(pk, change=True), by=request.user)
        return self._render(plan)

    @extend_schema(
        summary="The plan's current week, progression state and its reasons",
        responses={200: ps.ProgressionSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def progression(self, request, pk=None):
        plan = self._plan(pk, change=False)
        if plan.is_live:
            plan = plan_progression_refresh_if_stale(plan=plan)
        notice = progression_notice_open_for(plan=plan)
        return Response(ps.ProgressionSerializer(plan, context={"notice": notice}).data)

    @extend_schema(
        summary="Move the patient on, hold them, release your hold, or go back a week",
        description=(
            "The therapist's decision about the week of the plan the patient follows now, with a "
            "reason; the same as on the portal's progression page, recorded with who and when, "
            "audited, and the plan re-evaluated at once. Refusals (no reason, a day in the "
            "future, no week to go to, nothing held) answer 400 with the portal's messages."
        ),
        request=ps.ProgressionOverrideRequestSerializer,
        responses={201: ps.ProgressionOverrideSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def overrides(self, request, pk=None):
        plan = self._plan(pk, change=True)
        serializer = ps.ProgressionOverrideRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        override = progression_override(
            plan=plan,
            by=request.user,
            action=data.get("action", ""),
            reason=data.get("reason", ""),
            effective_on=data.get("effective_on"),
        )
        override.plan = self._plan(pk, change=False)  # as the decision left it
        return Response(ps.ProgressionOverrideSerializer(override).data, status=status.HTTP_201_CREATED)


# --- The patient's day and sessions ------------------------------------------------------


def _own_patient(user) -> Patient:
    """The patient record of the signed-in patient (404 if their login has none)."""
    patient = patient_of_user(user)
    if patient is None:
        raise NotFound
    return patient


class TodayView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        operation_id="me_today_retrieve",
        summary="Today's exercises and targets for the signed-in patient",
        responses={200: s.TodaySerializer},
        tags=["me"],
    )
    def get(self, request):
        patient = _own_patient(request.user)
        today = patient.local_date()
        return Response(self._today(request, patient, today))

    def _today(self, request, patient: Patient, today) -> dict:
        plan = plan_live_for(patient=patient)
        exercises = []
        if plan is not None:
            plan.patient = patient
            plan = plan_progression_refresh_if_stale(plan=plan, today=today)
        if plan is not None and plan.is_active_on(today):
            exercises = list(plan_exercises_up_to_week(plan=plan, week=plan.current_week))
        session = (
            SessionLog.objects.visible_to(request.user)
            .filter(patient=patient, date=today)
            .values_list("pk", flat=True)
            .first()
        )
        data = {
            "date": today,
            "plan": plan.pk if plan else None,
            "plan_status": plan.status if plan else None,
            "week": plan.current_week if plan else None,
            "progression_state": plan.progression_state if plan else None,
            "note_to_patient": plan.note_to_patient if plan else "",
            "general_cautions": plan.general_cautions if plan else "",
            "session": session,
            "exercises": exercises,
        }
        return dict(s.TodaySerializer(data).data)


# Each exercise row with its exercise's slug, read in the same query (not the two models behind it).
SESSION_EXERCISES = Prefetch(
    "exercises", queryset=SessionExercise.objects.annotate(exercise_slug=F("plan_exercise__exercise__slug"))
)


@extend_schema_view(
    list=extend_schema(summary="List sessions: a patient's own, or a therapist's patients'"),
    retrieve=extend_schema(summary="Read one session"),
    create=extend_schema(
        summary="Log a day's session (patients)",
        description=(
            "One session per patient per local day: logging the same day again replaces that "
            "day's entry and answers 200 with the updated session; a new day answers 201."
        ),
        request=s.SessionLogSerializer,
        responses={200: s.SessionSerializer, 201: s.SessionSerializer},
    ),
)
class SessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.SessionSerializer
    filterset_class = SessionFilter

    def get_permissions(self):
        return [IsPatient()] if self.action == "create" else [IsPatientOrTherapist()]

    def get_queryset(self):
        return (
            SessionLog.objects.visible_to(self.request.user)
            .prefetch_related(SESSION_EXERCISES)
            .order_by("-date", "patient_id")
        )

    def create(self, request):
        serializer = s.SessionLogSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = _own_patient(request.user)
        session, created = services.session_log(
            patient=patient,
            day=data.get("date") or patient.local_date(),
            pain_before=data["pain_before"],
            pain_after=data["pain_after"],
            symptom_change=data["symptom_change"],
            note=data.get("note", ""),
            exercises=[
                services.ExerciseEntry(
                    plan_exercise_id=entry["plan_exercise"],
                    done=entry["done"],
                    reps=entry.get("reps"),
                    hold_seconds=entry.get("hold_seconds"),
                    hurt=entry.get("hurt", False),
                )
                for entry in data.get("exercises", [])
            ],
            as_prescribed=data["as_prescribed"],
        )
        session = self.get_queryset().get(pk=session.pk)  # as stored, with its exercise rows
        return Response(
            s.SessionSerializer(session).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Alerts --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List safety alerts, newest first",
        description=(
            "A therapist reads their own patients' alerts; a clinic manager reads every alert of "
            "their clinic (read only). Filter by patient, kind, open and the day raised, as on "
            "the portal's alert list."
        ),
    ),
    retrieve=extend_schema(summary="Read one alert"),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilter

    def get_permissions(self):
        if self.action in ("acknowledge", "acknowledge_many"):
            return [IsTherapist()]
        return [ReadsAlerts()]

    def get_queryset(self):
        return Alert.objects.visible_to(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(
        summary="Acknowledge an alert, with a comment",
        request=s.AlertAcknowledgeSerializer,
        responses={200: s.AlertSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def acknowledge(self, request, pk=None):
        alert = get_object_or_404(Alert.objects.changeable_by(request.user), pk=pk)
        serializer = s.AlertAcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = services.alert_acknowledge(
            alert=alert, by=request.user, comment=serializer.validated_data.get("comment", "")
        )
        return Response(s.AlertSerializer(alert).data)

    @extend_schema(
        operation_id="alerts_acknowledge_many",
        summary="Acknowledge several alerts with one comment",
        description=(
            "All or nothing: every id must be an open alert of one of your patients. An id that "
            "is not yours (or does not exist) answers 404 and changes nothing; one already "
            "acknowledged answers 400 naming it. The comment is at most 2,000 characters."
        ),
        request=s.AlertsAcknowledgeSerializer,
        responses={200: s.AlertSerializer(many=True), 404: ErrorSerializer},
        filters=False,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="acknowledge",
        url_name="acknowledge-many",
        filterset_class=None,
        pagination_class=None,
    )
    def acknowledge_many(self, request):
        serializer = s.AlertsAcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = set(serializer.validated_data["ids"])
        alerts = list(Alert.objects.changeable_by(request.user).filter(pk__in=ids))
        if len(alerts) != len(ids):
            raise NotFound(_("No open alert of your patients has one of these ids."))
        alerts = services.alerts_acknowledge(
            alerts=alerts, by=request.user, comment=serializer.validated_data.get("comment", "")
        )
        return Response(s.AlertSerializer(alerts, many=True).data)
