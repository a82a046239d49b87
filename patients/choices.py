"""The choices the progression engine decides in, as plain enumerations.

`patients.progression` (the engine, pure) and `patients.models` (the stored columns) share
them from here, so the engine imports no models. The values are what the database stores.
"""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class ProgressionState(TextChoices):
    IN_WEEK = "in_week", _("In progress")
    READY = "ready", _("Ready to move on")
    HELD = "held", _("Held back")
    FINISHED = "finished", _("Final week reached")


class OverrideAction(TextChoices):
    ADVANCE = "advance", _("Move on to the next week")
    HOLD = "hold", _("Hold in the current week")
    RELEASE = "release", _("Release the hold")
    BACK = "back", _("Go back a week")


class SymptomChange(TextChoices):
    BETTER = "better", _("Better")
    SAME = "same", _("Same")
    WORSE = "worse", _("Worse")


class AlertKind(TextChoices):
    """Safety signals. Being held back from the next week is a progression notice, not one of these."""

    HURT = "hurt", _("It hurt, stopped")
    WORSE_TWICE = "worse_twice", _("Worse two sessions running")
    HIGH_PAIN = "high_pain", _("Pain 7 or more after a session")
    PAIN_RISE = "pain_rise", _("Pain up 2 or more from baseline")
    SILENCE = "silence", _("No session for 3 days")
    OUTCOME_WORSE = "outcome_worse", _("Questionnaire score meaningfully worse")


# How serious each kind of safety alert is, in one place: 1 is the most serious. The triage
# puts a patient's most serious open alert first, and the patient page orders its groups so.
# Stopping because it hurt and high or rising pain come before "worse" twice, before silence.
ALERT_SEVERITY = {
    AlertKind.HURT: 1,
    AlertKind.HIGH_PAIN: 1,
    AlertKind.PAIN_RISE: 1,
    AlertKind.WORSE_TWICE: 2,
    AlertKind.OUTCOME_WORSE: 2,
    AlertKind.SILENCE: 3,
}

# The longest acknowledgement comment, the same in the service, the forms, the API and the database.
ALERT_COMMENT_MAX_LENGTH = 2000
