from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WEEKDAYS

DAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ReminderSettingsForm(forms.Form):
    time = forms.TimeField(
        label=_("Remind me at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Your own time. Leave it empty for no reminders."),
    )
    days = forms.TypedMultipleChoiceField(
        label=_("On these days"),
        choices=DAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    second_nudge = forms.BooleanField(label=_("Remind me again when I have missed 2 days"), required=False)

    def __init__(self, *args, settings=None, **kwargs):
        if settings is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "time": settings.time,
                "days": settings.weekdays if settings.pk else [d for d in range(7) if WEEKDAYS & (1 << d)],
                "second_nudge": settings.second_nudge,
            }
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("time") is not None and not data.get("days"):
            self.add_error("days", _("Choose at least one day for the reminder."))
        return data
