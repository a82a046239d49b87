"""Writes of the RTM feature: a therapist records treatment-management time for a patient."""

from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from backcare.models import submitted_before
from patients.access import changeable
from patients.models import Patient

from .models import FIRST_DAY, MINUTES_MAX, TreatmentTime

ACTIVITY_MAX_LENGTH = 2000


def treatment_time_today(*, patient: Patient, by) -> date:
    """The latest day time can be recorded on: today for the patient or for the clinic,
    whichever is later (a therapist in London and a patient in New York differ by a day)."""
    return max(patient.local_date(), by.clinic.local_date()) if by.clinic_id else patient.local_date()


def treatment_time_problems(*, day: date, minutes: int, activity: str, today: date) -> dict[str, str]:
    """Field → why the entry cannot be stored (empty when it can): the one place of these rules."""
    problems = {}
    if not 1 <= minutes <= MINUTES_MAX:
        problems["minutes"] = _("Enter the minutes spent, from 1 to %(max)s.") % {"max": MINUTES_MAX}
    if day > today:
        problems["day"] = _("The day cannot be in the future (today is %(today)s).") % {
            "today": today.isoformat()
        }
    elif day < FIRST_DAY:
        problems["day"] = _("Enter a day from %(first)s on.") % {"first": FIRST_DAY.isoformat()}
    if not activity.strip():
        problems["activity"] = _("Say what was done (for example: reviewed the logs, called the patient).")
    elif len(activity.strip()) > ACTIVITY_MAX_LENGTH:
        problems["activity"] = _("Keep what was done to %(limit)s characters or fewer.") % {
            "limit": ACTIVITY_MAX_LENGTH
        }
    return problems


@transaction.atomic
def treatment_time_record(
    *,
    patient: Patient,
    by,
    day: date,
    minutes: int,
    activity: str,
    interactive: bool,
    by_assistant: bool,
    performed_by: str = "",
    submission: UUID | None = None,
) -> TreatmentTime:
    """Record minutes of treatment management for the patient; only their own therapist may.

    Raises OutOfScope for anyone else, ValidationError (field → message) for bad input;
    either way nothing is stored. Writes the audit row in the same transaction. The same
    `submission` (the form's key) sent again returns the entry it stored the first time: the
    patient's row lock makes the second sending wait for the first and then find it.
    """
    patient = changeable(Patient, patient.pk, by=by, lock=True, related=("clinic", "user"))
    if earlier := submitted_before(TreatmentTime, submission, patient=patient, recorded_by=by):
        return earlier
    problems = treatment_time_problems(
        day=day, minutes=minutes, activity=activity, today=treatment_time_today(patient=patient, by=by)
    )
    if problems:
        raise ValidationError(problems)
    entry = TreatmentTime.objects.create(
        patient=patient,
        day=day,
        minutes=minutes,
        activity=activity.strip(),
        interactive=interactive,
        by_assistant=by_assistant,
        performed_by=(performed_by.strip() or by.get_full_name() or by.username)[:150],
        recorded_by=by,
        submission=submission,
    )
    AuditEvent.record(
        actor=by,
        action="rtm.time_recorded",
        target=entry,
        clinic=patient.clinic,
        patient=patient,
        data={
            "day": day.isoformat(),
            "minutes": minutes,
            "interactive": interactive,
            "by_assistant": by_assistant,
            "performed_by": entry.performed_by,
            "activity": entry.activity,
        },
    )
    return entry
