import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from backcare.forms import SubmittedOnceForm
from patients.models import Patient
from portal.forms import DateInput
from reports.selectors import report_therapists

from .models import FIRST_DAY, MINUTES_MAX
from .services import ACTIVITY_MAX_LENGTH


class TreatmentTimeForm(SubmittedOnceForm):
    """Minutes of treatment management; the rules themselves are the service's
    (treatment_time_problems), whose messages land on the fields."""

    day = forms.DateField(label=_("Day"), widget=DateInput)
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=1,
        max_value=MINUTES_MAX,
        help_text=_("From 1 to 240."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    activity = forms.CharField(
        label=_("What was done"),
        max_length=ACTIVITY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: reviewed the logged sessions and pain, adjusted the plan, called the patient."
        ),
    )
    interactive = forms.BooleanField(
        label=_("A real-time interaction took place (a call or video with the patient)"), required=False
    )
    performed_by = forms.CharField(
        label=_("Done by"), max_length=150, help_text=_("Who did the work: you, or an assistant.")
    )
    by_assistant = forms.BooleanField(
        label=_("Done by a physical-therapist assistant (the codes are marked CQ)"), required=False
    )

    def __init__(self, *args, today: date, who: str, **kwargs):
        kwargs.setdefault("initial", {"day": today, "performed_by": who})
        super().__init__(*args, **kwargs)
        self.fields["day"].widget.attrs.update(min=FIRST_DAY.isoformat(), max=today.isoformat())


MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class MonthForm(forms.Form):
    """The report's month, as YYYY-MM, and for a manager one therapist's patients (the query
    string, so a link can be shared)."""

    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "class": "form-control"}),
        help_text=_("Year and month, for example 2026-03."),
    )
    therapist = forms.ModelChoiceField(
        label=_("Therapist"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All therapists"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, data=None, *, user, today: date):
        self.today = today
        super().__init__(data)
        if Patient.objects.may_compare_therapists(user):
            self.fields["therapist"].queryset = report_therapists(user=user)
        else:
            del self.fields["therapist"]  # a therapist's report is always their own caseload

    def clean_month(self) -> date:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return self.today.replace(day=1)
        match = MONTH_PATTERN.match(value)
        try:
            month = date(int(match.group(1)), int(match.group(2)), 1) if match else None
        except ValueError:
            month = None
        if month is None or month < FIRST_DAY:
            raise forms.ValidationError(_("Enter a month as year-month, for example 2026-03."))
        if month > self.today.replace(day=1):
            raise forms.ValidationError(_("The month cannot be after this month."))
        return month
