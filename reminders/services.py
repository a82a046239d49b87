"""Reminder rules: the patient's settings (changed by the page, the API and the unsubscribe link)
and which reminders are due now (sent by `manage.py send_reminders`)."""

import logging
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone as tz
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from patients.models import Patient, Plan, PlanPause, SessionLog

from .channels import Channel, EmailChannel
from .models import ALL_DAYS, ReminderSent, ReminderSettings
from .timing import due_at

logger = logging.getLogger(__name__)

MISSED_DAYS = 2


def reminder_settings_of(patient: Patient) -> ReminderSettings:
    """The patient's settings, unsaved and off when they never chose any."""
    try:
        return patient.reminder_settings
    except ReminderSettings.DoesNotExist:
        return ReminderSettings(patient=patient, time=None)


def _days_mask(days) -> int:
    mask = 0
    for day in days:
        if not 0 <= int(day) <= 6:
            raise ValidationError({"days": _("Days are numbers from 0 (Monday) to 6 (Sunday).")})
        mask |= 1 << int(day)
    return mask


@transaction.atomic
def reminder_settings_change(
    *, patient: Patient, by, time: time | None, days: list[int], second_nudge: bool, via: str = "settings"
) -> ReminderSettings:
    """Stores the patient's choice; turning reminders on or off is in the audit trail."""
    mask = _days_mask(days)
    if time is not None and mask == 0:
        raise ValidationError({"days": _("Choose at least one day for the reminder.")})
    settings, _created = ReminderSettings.objects.select_for_update().get_or_create(
        patient=patient, defaults={"time": None}
    )
    was_on = settings.is_on
    settings.time, settings.days, settings.second_nudge = time, mask, second_nudge
    settings.updated_at = tz.now()
    settings.save(update_fields=["time", "days", "second_nudge", "updated_at"])
    if settings.is_on != was_on:
        _audit(patient=patient, by=by, on=settings.is_on, via=via, settings=settings)
    patient.reminder_settings = settings
    return settings


def _audit(*, patient: Patient, by, on: bool, via: str, settings: ReminderSettings) -> None:
    data = {"via": via}
    if on:
        data["time"] = settings.time.strftime("%H:%M")
    AuditEvent.record(
        actor=by,
        action="reminders.turned_on" if on else "reminders.turned_off",
        target=patient,
        clinic=patient.clinic,
        patient=patient,
        data=data,
    )


@transaction.atomic
def reminders_unsubscribe(*, patient: Patient) -> bool:
    """The signed link in a reminder: reminders off, no login. False if they were already off."""
    settings = ReminderSettings.objects.select_for_update().filter(patient=patient).first()
    if settings is None or not settings.is_on:
        return False
    settings.time, settings.updated_at = None, tz.now()
    settings.save(update_fields=["time", "updated_at"])
    _audit(patient=patient, by=patient.user, on=False, via="unsubscribe", settings=settings)
    return True


# --- What is due ------------------------------------------------------------------------------


def _paused_on(day: date, pauses: list[PlanPause]) -> bool:
    return any(p.paused_on <= day and (p.resumed_on is None or day < p.resumed_on) for p in pauses)


def _missed_days(*, patient: Patient, plan: Plan, today: date) -> bool:
    """True when the last MISSED_DAYS prescribed days before today (the plan's days, less its
    pauses) had no session, and no second nudge was sent since the last session."""
    pauses = list(plan.pauses.all())
    days, day = [], today - timedelta(days=1)
    while len(days) < MISSED_DAYS and day >= plan.start_date:
        if not _paused_on(day, pauses):
            days.append(day)
        day -= timedelta(days=1)
    if len(days) < MISSED_DAYS:
        return False
    if SessionLog.objects.filter(patient=patient, date__gte=days[-1], date__lt=today).exists():
        return False
    last_session = (
        SessionLog.objects.filter(patient=patient, date__lt=today)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    nudged = ReminderSent.objects.filter(patient=patient, kind=ReminderSent.Kind.MISSED)
    if last_session is not None:
        nudged = nudged.filter(local_date__gt=last_session)
    return not nudged.exists()


def reminder_due(*, settings: ReminderSettings, now: datetime) -> str | None:
    """The kind of reminder due for the patient at `now`, or None.

    Due when reminders are on, the patient's local day is one of their days, their clock has
    passed their time that day, the day is not logged, their plan is active (approved, started,
    not paused, not completed) and nothing was sent that local day. It is the second nudge
    instead of the daily reminder when they asked for it and the last 2 prescribed days had no
    session (once until they log again).
    """
    if not settings.is_on:
        return None
    patient = settings.patient
    zone = patient.tzinfo
    today = tz.localtime(now, zone).date()
    if not settings.days & (1 << today.weekday()):
        return None
    if now < due_at(today, settings.time, zone):
        return None
    plan = Plan.objects.filter(patient=patient, status=Plan.Status.APPROVED, start_date__lte=today).first()
    if plan is None:
        return None
    if SessionLog.objects.filter(patient=patient, date=today).exists():
        return None
    if ReminderSent.objects.filter(patient=patient, local_date=today).exists():
        return None
    if settings.second_nudge and _missed_days(patient=patient, plan=plan, today=today):
        return ReminderSent.Kind.MISSED
    return ReminderSent.Kind.DAILY


def reminders_send_due(*, now: datetime | None = None, channel: Channel | None = None) -> int:
    """Sends every reminder due at `now` (default: now); returns how many were sent.

    Each is a row inserted before sending, in the same transaction: a run that finds the row
    already there (another run got there first) gets IntegrityError and skips the patient; a
    send that fails rolls the row back, so a later run tries again.
    """
    now = now or tz.now()
    channel = channel or EmailChannel()
    sent = 0
    candidates = (
        ReminderSettings.objects.filter(time__isnull=False, days__gt=0, patient__user__is_active=True)
        .select_related("patient__user", "patient__clinic")
        .order_by("pk")
    )
    for settings in candidates:
        patient = settings.patient
        kind = reminder_due(settings=settings, now=now)
        if kind is None or not channel.can_reach(patient):
            continue
        today = tz.localtime(now, patient.tzinfo).date()
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    patient=patient, local_date=today, kind=kind, channel=channel.name, sent_at=now
                )
                channel.send(patient, kind)
        except IntegrityError:
            continue  # another run sent it
        except Exception:
            logger.exception("Reminder to patient %s not sent; it will be tried again", patient.pk)
            continue
        sent += 1
    return sent


__all__ = [
    "ALL_DAYS",
    "reminder_due",
    "reminder_settings_change",
    "reminder_settings_of",
    "reminders_send_due",
    "reminders_unsubscribe",
]
