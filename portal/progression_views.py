"""The therapist's progression page for one patient: safety alerts first, then the state with
its notice ("held back from week 2"), the history of decisions and notices, overrides."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from accounts.permissions import therapist_required
from patients.models import ProgressionOverride
from patients.progression_selectors import (
    alerts_for_review,
    plan_progression_history,
    progression_notices_for,
)
from patients.progression_services import plan_progression_refresh, progression_override
from patients.selectors import plan_live_for

from .access import patient_for
from .forms import text_field


class ProgressionOverrideForm(forms.Form):
    """The decision's shape only: a missing decision or reason, or one not offered, is refused by
    progression_override with the message the API gives too."""

    action = forms.CharField(
        label=_("Decision"),
        required=False,
        widget=forms.RadioSelect(choices=ProgressionOverride.Action.choices),
    )
    reason = text_field(
        _("Reason"),
        rows=3,
        help_text=_("Kept in the plan's history. “Release” lifts your hold; the rules then decide again."),
    )
    effective_on = forms.DateField(
        label=_("From the day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today in the patient's time zone."),
    )


@therapist_required
def progression(request, pk: int):
    patient = patient_for(request, pk, change=True)
    plan = plan_live_for(patient=patient)
    form = ProgressionOverrideForm(request.POST or None)
    if plan is not None and request.method == "POST" and form.is_valid():
        try:
            override = progression_override(
                plan=plan,
                by=request.user,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
                effective_on=form.cleaned_data["effective_on"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, field_errors in error.error_dict.items():
                    for item in field_errors:
                        form.add_error(field if field in form.fields else None, item)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Recorded: %(action)s.") % {"action": override.get_action_display()})
            return redirect("portal:progression", pk=patient.pk)
    weeks, notices = [], []
    if plan is not None:
        # "When pages ask": the page shows what the engine decides today, not a stale snapshot.
        plan = plan_progression_refresh(plan=plan)
        weeks = list(plan.weeks.order_by("number"))
        notices = list(progression_notices_for(plan=plan))
    return render(
        request,
        "portal/progression.html",
        {
            "patient": patient,
            "plan": plan,
            "weeks": weeks,
            "current_week": next((w for w in weeks if plan and w.number == plan.current_week), None),
            "form": form,
            "alerts": list(alerts_for_review(patient=patient)),
            "notice": next((n for n in notices if n.is_open), None),
            "closed_notices": [n for n in notices if not n.is_open],
            "history": list(plan_progression_history(plan=plan)) if plan else [],
        },
        status=400 if request.method == "POST" else 200,
    )
