"""Outcome measures in the API: questionnaires, each plan's schedule, answers and scores, the due
list and the outcome report. Thin: the same selectors and services as the pages; querysets start
from `visible_to` / `changeable_by`, so another patient's object answers 404.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backcare.db_router import reads_from_replica
from outcomes.models import CODE_CHOICES, EVERY_WEEKS_MAX, Instrument, PlanOutcome, Score
from outcomes.models import Response as OutcomeResponse
from outcomes.selectors import due_for
from outcomes.services import plan_outcome_set, response_submit
from patients.models import Plan
from patients.selectors import patient_of_user
from reports.outcomes import outcome_report

from .fields import DataTextField
from .filters import ScheduleFilter
from .permissions import IsPatient, IsPatientOrTherapist, IsTherapist, ReadsReports
from .reports_views import report_read_args
from .schema import VALIDATION_ERROR_SCHEMA

# --- Serializers ---------------------------------------------------------------------------


class InstrumentSerializer(serializers.ModelSerializer):
    score_min = serializers.SerializerMethodField()
    score_max = serializers.SerializerMethodField()
    higher_is_better = serializers.SerializerMethodField()
    mcid_points = serializers.SerializerMethodField()
    mcid_percent = serializers.SerializerMethodField()

    class Meta:
        model = Instrument
        fields = [
            "id",
            "code",
            "version",
            "is_current",
            "version_label",
            "name",
            "language",
            "instructions",
            "copyright",
            "activity_prompt",
            "items",
            "source",
            "score_min",
            "score_max",
            "higher_is_better",
            "mcid_points",
            "mcid_percent",
        ]

    def get_score_min(self, instrument) -> int:
        return instrument.rule.score_min

    def get_score_max(self, instrument) -> int:
        return instrument.rule.score_max

    def get_higher_is_better(self, instrument) -> bool:
        return instrument.rule.higher_is_better

    def get_mcid_points(self, instrument) -> float | None:
        return None if instrument.rule.mcid_points is None else float(instrument.rule.mcid_points)

    def get_mcid_percent(self, instrument) -> int | None:
        return instrument.rule.mcid_percent


class ScheduleSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=Plan.objects.none())
    every_weeks = serializers.IntegerField(min_value=0, max_value=EVERY_WEEKS_MAX, default=2)

    class Meta:
        model = PlanOutcome
        fields = ["id", "plan", "instrument_code", "at_baseline", "every_weeks", "at_completion"]
        validators = []  # plan_outcome_set updates the row when the plan asks for it already

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:  # a therapist names only plans they may change
            self.fields["plan"].queryset = Plan.objects.changeable_by(request.user)


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Score
        fields = ["value", "subscale", "band", "parts", "change", "meaningful"]


class ResponseSerializer(serializers.ModelSerializer):
    score = ScoreSerializer(read_only=True)
    instrument_version = serializers.IntegerField(source="instrument.version", read_only=True)

    class Meta:
        model = OutcomeResponse
        fields = [
            "id",
            "patient",
            "plan",
            "instrument_code",
            "instrument",
            "instrument_version",
            "due_date",
            "is_baseline",
            "answered_on",
            "answers",
            "score",
        ]
        read_only_fields = fields


class AnswerSerializer(serializers.Serializer):
    instrument_code = serializers.ChoiceField(choices=CODE_CHOICES)
    answers = serializers.JSONField(
        help_text=(
            "One option index per item (0 = the first option; the Oswestry takes a list where two "
            'boxes were ticked); for the PSFS a list of {"name": ..., "rating": 0-10}, the '
            "baseline's activities in its order at a follow-up."
        )
    )


class ScoreRowSerializer(serializers.ModelSerializer):
    patient = serializers.IntegerField(source="response.patient_id")
    instrument_code = serializers.CharField(source="response.instrument_code")
    due_date = serializers.DateField(source="response.due_date")
    response = serializers.IntegerField(source="response_id")

    class Meta:
        model = Score
        fields = ["id", "response", "patient", "instrument_code", "due_date", *ScoreSerializer.Meta.fields]


class DueSerializer(serializers.Serializer):
    instrument_code = serializers.CharField(source="code")
    instrument = serializers.IntegerField(source="instrument.pk")
    name = DataTextField(source="instrument.name")
    due_date = serializers.DateField(source="due.due_date")
    kind = serializers.CharField(source="due.kind")
    overdue = serializers.BooleanField()


# --- Views ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List questionnaires (every loaded version)"),
    retrieve=extend_schema(summary="Read one questionnaire version, with its items"),
)
class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaires are shared by the server's clinics: any signed-in user may read them."""

    queryset = Instrument.objects.order_by("code", "-version")
    serializer_class = InstrumentSerializer
    permission_classes = [IsAuthenticated]


@extend_schema_view(
    list=extend_schema(summary="List the questionnaires plans ask for, and when"),
    retrieve=extend_schema(summary="Read one plan's questionnaire schedule"),
    create=extend_schema(summary="Ask for a questionnaire in a draft plan (or change when)"),
    destroy=extend_schema(summary="Stop asking for a questionnaire in a draft plan"),
)
class ScheduleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ScheduleSerializer
    filterset_class = ScheduleFilter

    def get_permissions(self):
        return [IsTherapist()] if self.action in ("create", "destroy") else [IsPatientOrTherapist()]

    def get_queryset(self):
        queryset = PlanOutcome.objects.order_by("plan_id", "instrument_code")
        if self.action == "destroy":
            return queryset.changeable_by(self.request.user)
        return queryset.visible_to(self.request.user)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existed = PlanOutcome.objects.filter(
            plan=data["plan"], instrument_code=data["instrument_code"]
        ).exists()
        row = plan_outcome_set(
            plan=data["plan"],
            by=request.user,
            instrument_code=data["instrument_code"],
            enabled=True,
            at_baseline=data.get("at_baseline", True),
            every_weeks=data.get("every_weeks", 2),
            at_completion=data.get("at_completion", True),
        )
        return Response(
            ScheduleSerializer(row).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    def perform_destroy(self, instance):
        plan_outcome_set(
            plan=instance.plan, by=self.request.user, instrument_code=instance.instrument_code, enabled=False
        )


@extend_schema_view(
    list=extend_schema(summary="List questionnaire answers, with their scores"),
    retrieve=extend_schema(summary="Read one answer and its score"),
    create=extend_schema(
        summary="Answer the questionnaire due now (again for the same due date: 200, edits it)",
        request=AnswerSerializer,
        responses={201: ResponseSerializer, 200: ResponseSerializer},
    ),
)
class ResponseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ResponseSerializer

    def get_permissions(self):
        return [IsPatient()] if self.action == "create" else [IsPatientOrTherapist()]

    def get_queryset(self):
        return (
            OutcomeResponse.objects.visible_to(self.request.user)
            .select_related("score", "instrument")
            .order_by("-due_date", "patient_id", "instrument_code")
        )

    def create(self, request):
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patient = patient_of_user(request.user)
        if patient is None:
            raise NotFound
        answered = response_submit(
            patient=patient,
            code=serializer.validated_data["instrument_code"],
            answers=serializer.validated_data["answers"],
        )
        response = self.get_queryset().get(pk=answered.response.pk)
        return Response(
            ResponseSerializer(response).data,
            status=status.HTTP_201_CREATED if answered.created else status.HTTP_200_OK,
        )


@extend_schema_view(
    list=extend_schema(summary="List scores, with the change from baseline and whether it is meaningful"),
    retrieve=extend_schema(summary="Read one score"),
)
class ScoreViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ScoreRowSerializer
    permission_classes = [IsPatientOrTherapist]

    def get_queryset(self):
        return (
            Score.objects.visible_to(self.request.user)
            .select_related("response")
            .order_by("-response__due_date", "response__patient_id", "response__instrument_code")
        )


class DueQuestionnairesView(APIView):
    """The questionnaires the signed-in patient has to answer now."""

    permission_classes = [IsPatient]

    @extend_schema(summary="The questionnaires due now", responses={200: DueSerializer(many=True)})
    def get(self, request):
        patient = patient_of_user(request.user)
        if patient is None:
            raise NotFound
        return Response(DueSerializer(due_for(patient=patient), many=True).data)


class OutcomeRowSerializer(serializers.Serializer):
    instrument_code = serializers.CharField(source="code")
    therapist_id = serializers.IntegerField(allow_null=True)
    therapist_name = serializers.CharField()
    patients = serializers.IntegerField(help_text="Patients with a baseline and a follow-up in the range.")
    mean_change = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    improved = serializers.IntegerField(help_text="Of those, patients reaching the meaningful improvement.")
    improved_pct = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    higher_is_better = serializers.BooleanField()


OutcomeReportSerializer = inline_serializer(
    "OutcomeReport",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "therapist": serializers.IntegerField(allow_null=True),
        "totals": OutcomeRowSerializer(many=True),
        "therapists": OutcomeRowSerializer(many=True, help_text="Managers only; empty for a therapist."),
    },
)


class OutcomeReportView(APIView):
    """Outcome measures for a date range: the clinic's (a therapist's: their own patients') totals
    per questionnaire, and per therapist for a manager. Definitions: reports/outcomes.py and the
    report page. Every read is recorded in the clinic's audit trail, as a CSV export is."""

    permission_classes = [ReadsReports]

    @extend_schema(
        operation_id="reports_outcomes",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 4 weeks ago)."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)."),
            OpenApiParameter("therapist", OpenApiTypes.INT, description="One therapist's patients."),
        ],
        responses={200: OutcomeReportSerializer, 400: VALIDATION_ERROR_SCHEMA},
    )
    @reads_from_replica  # a report: read on the replica when there is one
    def get(self, request):
        args = report_read_args(request, export="api:reports/outcomes")
        report = outcome_report(**args)
        return Response(
            {
                "start": args["start"],
                "end": args["end"],
                "therapist": args["therapist"].pk if args["therapist"] else None,
                "totals": OutcomeRowSerializer(report.totals, many=True).data,
                "therapists": OutcomeRowSerializer(report.by_therapist, many=True).data,
            }
        )
