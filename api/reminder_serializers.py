"""A patient's reminder settings in the API: their own (me/reminders), read-only on a patient."""

import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ReminderSettingsSerializer(serializers.Serializer):
    on = serializers.BooleanField(read_only=True, help_text=_("Whether reminders are sent (a time is set)."))
    time = serializers.RegexField(
        r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        allow_null=True,
        required=False,
        error_messages={"invalid": _("Give the time as hours and minutes, such as 18:00.")},
        help_text=_(
            "The patient's local time (their own time zone), as HH:MM, e.g. 18:00; null for no reminders."
        ),
    )

    def validate_time(self, value):
        return None if value is None else datetime.time.fromisoformat(value)

    days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        max_length=7,
        help_text=_("Weekdays, 0 = Monday … 6 = Sunday."),
    )
    second_nudge = serializers.BooleanField(
        required=False, help_text=_("A second reminder after 2 prescribed days without a session.")
    )

    def to_representation(self, settings):
        return {
            "on": settings.is_on,
            "time": settings.time.strftime("%H:%M") if settings.time else None,
            "days": settings.weekdays,
            "second_nudge": settings.second_nudge,
        }
