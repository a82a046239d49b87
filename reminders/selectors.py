"""How a patient's reminders read to their therapist (patient detail, the API)."""

from django.utils.translation import gettext as _

from patients.models import Patient

from .forms import DAY_CHOICES
from .models import ALL_DAYS, WEEKDAYS, ReminderSettings


def reminder_summary(patient: Patient) -> str:
    """ "Reminders on at 18:00, Monday to Friday" or "Reminders off"."""
    try:
        settings = patient.reminder_settings
    except ReminderSettings.DoesNotExist:
        settings = None
    if settings is None or not settings.is_on:
        return _("Reminders off")
    if settings.days == ALL_DAYS:
        days = _("every day")
    elif settings.days == WEEKDAYS:
        days = _("Monday to Friday")
    else:
        days = ", ".join(str(name) for number, name in DAY_CHOICES if settings.days & (1 << number))
    return _("Reminders on at %(time)s, %(days)s") % {"time": settings.time.strftime("%H:%M"), "days": days}
