"""What several serializers share: limits, the one free-text field, the time zone field and a
week's progression rule."""

import zoneinfo

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exercises.data_text import data_text
from exercises.models import ProgramWeek
from patients.models import (
    TEXT_MAX_LENGTH,
    TEXT_TOO_LONG,
)

MAX_EXERCISES_PER_SESSION = 100
MAX_BULK_ALERTS = 500
MAX_TEXT = TEXT_MAX_LENGTH
# The services' and forms' message, with the limit in (DRF formats it with str.format).
TEXT_TOO_LONG_MESSAGE = lazy(lambda: str(TEXT_TOO_LONG) % {"limit_value": TEXT_MAX_LENGTH}, str)()


def text_field(**kwargs) -> serializers.CharField:
    """Optional free text (a note, a reason) with the one limit and its message."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX_LENGTH,
        error_messages={"max_length": TEXT_TOO_LONG_MESSAGE},
        **kwargs,
    )


# The names zoneinfo knows: read once, they change only with the installed tz database.
TIME_ZONES = frozenset(zoneinfo.available_timezones())
TIMEZONE_EXAMPLES = ("Europe/London", "America/New_York", "Australia/Sydney", "UTC")


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 64,
        "example": TIMEZONE_EXAMPLES[0],
        "description": str(
            _("An IANA time zone name, for instance %(examples)s. The patient's days are counted in it.")
            % {"examples": ", ".join(TIMEZONE_EXAMPLES)}
        ),
    }
)
class TimeZoneField(serializers.CharField):
    """A time zone by its IANA name: a validated string in the schema, not an enum of ~600 names
    (generated clients choke on it: "GMT0" and "GMT+0" make the same identifier)."""

    default_error_messages = {
        "unknown": _("“%(value)s” is not a time zone. Use an IANA name such as Europe/London."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in TIME_ZONES:
            message = self.error_messages["unknown"] % {"value": value}
            raise serializers.ValidationError(message, code="unknown")
        return value


class ProgressionRuleSerializer(serializers.Serializer):
    """The conditions for moving on to a week, and what happens when they are not met."""

    min_days_in_previous_week = serializers.IntegerField(read_only=True)
    min_sessions_in_previous_week = serializers.IntegerField(read_only=True)
    no_worse_in_last_sessions = serializers.IntegerField(
        read_only=True, help_text=_("No “worse” report in the last N sessions; 0 switches it off.")
    )
    pain_rise_limit = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_("Points above the patient's baseline that hold them back; null switches it off."),
    )
    pain_ceiling = serializers.IntegerField(read_only=True, allow_null=True)
    requires_therapist_confirmation = serializers.BooleanField(read_only=True)
    on_not_met = serializers.ChoiceField(choices=ProgramWeek.OnNotMet.choices, read_only=True)


class DataTextField(serializers.CharField):
    """Text of the shipped program or questionnaires, in the asker's language where it has a
    translation (exercises/data_text.py); a clinic's own text as written."""

    def to_representation(self, value):
        return data_text(super().to_representation(value))
