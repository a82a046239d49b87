"""The signed-in patient's reminder settings (GET/PATCH /api/v1/me/reminders/)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError as RequestInvalid
from rest_framework.response import Response
from rest_framework.views import APIView

from reminders.services import reminder_settings_change, reminder_settings_of

from .permissions import IsPatient
from .reminder_serializers import ReminderSettingsSerializer
from .views import _own_patient


class MyRemindersView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        operation_id="me_reminders_retrieve",
        summary="The signed-in patient's reminder settings",
        responses={200: ReminderSettingsSerializer},
        tags=["me"],
    )
    def get(self, request):
        return Response(ReminderSettingsSerializer(reminder_settings_of(_own_patient(request.user))).data)

    @extend_schema(
        operation_id="me_reminders_partial_update",
        summary="Change the signed-in patient's reminder settings (time null turns them off)",
        request=ReminderSettingsSerializer,
        responses={200: ReminderSettingsSerializer},
        tags=["me"],
    )
    def patch(self, request):
        patient = _own_patient(request.user)
        current = reminder_settings_of(patient)
        serializer = ReminderSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            settings = reminder_settings_change(
                patient=patient,
                by=request.user,
                time=data.get("time", current.time),
                days=data.get("days", current.weekdays),
                second_nudge=data.get("second_nudge", current.second_nudge),
                via="api",
            )
        except ValidationError as error:
            raise RequestInvalid(error.message_dict) from error
        return Response(ReminderSettingsSerializer(settings).data)
