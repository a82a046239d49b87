"""GET /api/v1/reports/adherence/ — the report page's figures, from the same selectors."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ReadsReports
from api.schema import VALIDATION_ERROR_SCHEMA
from backcare.db_router import reads_from_replica
from patients.models import Patient
from reports import selectors
from reports.forms import ReportFilterForm
from reports.services import report_export_record


def report_read_args(request, *, export: str) -> dict:
    """The report's range and therapist from the query (ReportFilterForm, as on the page; a bad one
    answers 400), the read recorded in the clinic's audit trail as a CSV export is (on the
    primary). Returns the selectors' arguments."""
    user = request.user
    form = ReportFilterForm(request.query_params, user=user, today=user.clinic.local_date())
    if not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    args = form.report_args()
    report_export_record(
        by=user, export=export, start=args["start"], end=args["end"], therapist=args["therapist"]
    )
    return args


class WeekSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    sessions_prescribed = serializers.IntegerField()
    sessions_logged = serializers.IntegerField()
    exercises_prescribed = serializers.IntegerField()
    exercises_done = serializers.IntegerField()
    session_pct = serializers.FloatField(allow_null=True)
    exercise_pct = serializers.FloatField(allow_null=True)


class TotalsSerializer(serializers.Serializer):
    patients = serializers.IntegerField()
    patients_with_days = serializers.IntegerField()
    adherent_patients = serializers.IntegerField()
    adherent_pct = serializers.FloatField(allow_null=True)
    prescribed_days_total = serializers.IntegerField()
    sessions_logged_total = serializers.IntegerField()
    session_pct = serializers.FloatField(allow_null=True)
    exercises_prescribed_total = serializers.IntegerField()
    exercises_done_total = serializers.IntegerField()
    exercise_pct = serializers.FloatField(allow_null=True)
    open_alerts_total = serializers.IntegerField()
    pain_change_avg = serializers.FloatField(allow_null=True)
    pain_change_patients = serializers.IntegerField()


class TherapistRowSerializer(TotalsSerializer):
    therapist_id = serializers.IntegerField()
    therapist_name = serializers.CharField()


class PatientRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()
    therapist_id = serializers.IntegerField()
    prescribed_days = serializers.IntegerField()
    sessions_logged = serializers.IntegerField()
    session_pct = serializers.FloatField(allow_null=True)
    exercises_prescribed = serializers.IntegerField()
    exercises_done = serializers.IntegerField()
    exercise_pct = serializers.FloatField(allow_null=True)
    first_pain = serializers.IntegerField(allow_null=True)
    last_pain = serializers.IntegerField(allow_null=True)
    pain_change = serializers.IntegerField(allow_null=True)
    last_session = serializers.DateField(allow_null=True)
    open_alerts = serializers.IntegerField()
    flags = serializers.SerializerMethodField()

    def get_name(self, patient) -> str:
        return patient.user.get_full_name() or patient.user.username

    def get_flags(self, patient) -> list[str]:
        flags = [("no_session_3_days", patient.flag_silent), ("worsening_pain", patient.flag_worsening)]
        flags.append(("alerts_open", patient.flag_alerts))
        return [name for name, on in flags if on]


AdherenceReportSerializer = inline_serializer(
    "AdherenceReport",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "therapist": serializers.IntegerField(allow_null=True),
        "summary": TotalsSerializer(),
        "weeks": WeekSerializer(many=True),
        "therapists": TherapistRowSerializer(many=True, help_text="Managers only; empty for a therapist."),
        "patients": PatientRowSerializer(many=True),
    },
)


class AdherenceReportView(APIView):
    """Adherence for a date range: summary, weeks, therapists (managers only) and patients.

    A manager sees their clinic, a therapist their own patients; patients get 403. Which rows
    are shown is the access layer's (Patient.objects.visible_to / therapists_compared_by).
    Definitions are those of the report page: patients/adherence.py (prescribed days, sessions,
    exercises of the week the patient was actually in) and reports/selectors.py (flags, pain).
    Every read is recorded in the clinic's audit trail, as a CSV export is.
    """

    permission_classes = [ReadsReports]

    @extend_schema(
        operation_id="reports_adherence",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 4 weeks ago)."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)."),
            OpenApiParameter("therapist", OpenApiTypes.INT, description="One therapist's patients."),
        ],
        responses={200: AdherenceReportSerializer, 400: VALIDATION_ERROR_SCHEMA},
    )
    @reads_from_replica  # a report: read on the replica when there is one
    def get(self, request):
        user = request.user
        args = report_read_args(request, export="api:reports/adherence")
        figures = selectors.adherence_figures(**args)
        by_therapist = selectors.adherence_by_therapist(**args, figures=figures)
        patients = selectors.adherence_by_patient(**args, figures=figures)
        compared = set(Patient.objects.therapists_compared_by(user).values_list("therapist_id", flat=True))
        return Response(
            {
                "start": args["start"],
                "end": args["end"],
                "therapist": args["therapist"].pk if args["therapist"] else None,
                "summary": TotalsSerializer(
                    selectors.adherence_summary(**args, by_therapist=by_therapist)
                ).data,
                "weeks": WeekSerializer(selectors.adherence_weekly(**args, figures=figures), many=True).data,
                "therapists": TherapistRowSerializer(
                    [row for row in by_therapist if row["therapist_id"] in compared], many=True
                ).data,
                "patients": PatientRowSerializer(patients, many=True).data,
            }
        )
