"""GET /api/v1/reports/rtm/ — the monthly remote therapeutic monitoring (RTM) report, from the
same selector as the portal's page (billing.selectors.rtm_month)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ReadsReports
from api.schema import VALIDATION_ERROR_SCHEMA
from backcare.db_router import reads_from_replica
from billing import rtm, selectors
from billing.forms import MonthForm
from reports.services import report_export_record


class RtmPeriodSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="1 for the first 30 days of the episode.")
    start = serializers.DateField()
    end = serializers.DateField(help_text="The period's last day.")
    days = serializers.IntegerField(help_text="Days with a logged session, in the patient's time zone.")
    code = serializers.CharField(allow_null=True, help_text="The days code the count reaches, if any.")
    complete = serializers.BooleanField(help_text="False while the period is not over.")


class RtmCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    units = serializers.IntegerField()
    cq = serializers.BooleanField(help_text="An assistant did some of the month's minutes.")


class RtmPatientSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="patient.pk")
    name = serializers.CharField()
    therapist_id = serializers.IntegerField(source="patient.therapist_id")
    periods = RtmPeriodSerializer(many=True, source="month.periods")
    setup_on = serializers.DateField(allow_null=True, source="month.setup_on")
    minutes = serializers.IntegerField(source="month.minutes")
    assistant_minutes = serializers.IntegerField(source="month.assistant_minutes")
    real_time_interaction = serializers.BooleanField(source="month.interactive")
    codes = RtmCodeSerializer(many=True, source="month.codes", help_text="Codes earned in the month.")


RtmReportSerializer = inline_serializer(
    "RtmReport",
    {
        "month": serializers.CharField(help_text="YYYY-MM"),
        "therapist": serializers.IntegerField(allow_null=True),
        "first_day": serializers.DateField(),
        "last_day": serializers.DateField(),
        "patients": RtmPatientSerializer(many=True),
    },
)


class RtmReportView(APIView):
    """Remote therapeutic monitoring for a calendar month, per patient: the 30-day periods meeting
    it with their days of data and code, the set-up day, the month's treatment-management minutes,
    whether a real-time interaction took place, and the codes earned.

    A manager sees their clinic, a therapist their own patients; patients get 403. The codes and
    thresholds are the clinic's billing-code rows; the counting rules are billing/rtm.py's. It
    supports, and does not replace, the clinic's billing judgement. Every read is recorded in the
    clinic's audit trail, as a CSV export is.
    """

    permission_classes = [ReadsReports]

    @extend_schema(
        operation_id="reports_rtm",
        parameters=[
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM (default: this month).")
        ],
        responses={200: RtmReportSerializer, 400: VALIDATION_ERROR_SCHEMA},
    )
    @reads_from_replica  # a report: read on the replica when there is one
    def get(self, request):
        user = request.user
        form = MonthForm(request.query_params, user=user, today=user.clinic.local_date())
        if not form.is_valid():
            raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
        month, therapist = form.cleaned_data["month"], form.cleaned_data.get("therapist")
        last = rtm.month_last_day(month)
        report_export_record(by=user, export="api:reports/rtm", start=month, end=last, therapist=therapist)
        rows = selectors.rtm_month(user=user, month=month, therapist=therapist)
        return Response(
            {
                "month": month.strftime("%Y-%m"),
                "therapist": therapist.pk if therapist else None,
                "first_day": month,
                "last_day": last,
                "patients": RtmPatientSerializer(rows, many=True).data,
            }
        )
