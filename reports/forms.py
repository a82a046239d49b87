from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from patients.models import Patient

from .selectors import MAX_RANGE_DAYS, report_therapists

DEFAULT_DAYS = 28  # the last four weeks, today included


class DateInput(forms.DateInput):
    input_type = "date"


class ReportFilterForm(forms.Form):
    """The report's range and therapist. Read from the query string, so links can be shared."""

    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)
    therapist = forms.ModelChoiceField(
        label=_("Therapist"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All therapists"),
    )
    order = forms.ChoiceField(
        label=_("Patients in order of"),
        choices=[("adherence", _("lowest adherence first")), ("name", _("name"))],
        required=False,
    )

    def __init__(self, data=None, *, user: User, today: date):
        self.today = today
        initial = {"start": today - timedelta(days=DEFAULT_DAYS - 1), "end": today, "order": "adherence"}
        if data is not None:
            data = {
                **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in initial.items()},
                **data.dict(),
            }
        super().__init__(data, initial=initial)
        self.user = user
        if Patient.objects.may_compare_therapists(user):
            self.fields["therapist"].queryset = report_therapists(user=user)
        else:
            # A therapist's report is always their own caseload.
            del self.fields["therapist"]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] += " is-invalid"
                widget.attrs["aria-describedby"] = f"id_{name}-error"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if end and end > self.today:
            self.add_error("end", _("The report cannot go past today (%(today)s).") % {"today": self.today})
        if start and end and start > end:
            self.add_error("start", _("The start date must be on or before the end date."))
        elif start and end and (end - start).days + 1 > MAX_RANGE_DAYS:
            self.add_error("start", _("Choose a range of at most %(days)s days.") % {"days": MAX_RANGE_DAYS})
        data["order"] = data.get("order") or "adherence"
        return data

    def report_args(self) -> dict:
        """Keyword arguments for the selectors (call after is_valid())."""
        return {
            "user": self.user,
            "clinic": self.user.clinic,
            "start": self.cleaned_data["start"],
            "end": self.cleaned_data["end"],
            "therapist": self.cleaned_data.get("therapist"),
        }
