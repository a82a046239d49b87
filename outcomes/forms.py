from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CODE_CHOICES, EVERY_WEEKS_MAX


class PlanOutcomeForm(forms.Form):
    """A draft plan's questionnaire and when it is asked (the rules live in plan_outcome_set)."""

    instrument_code = forms.ChoiceField(label=_("Questionnaire"), choices=CODE_CHOICES)
    enabled = forms.BooleanField(label=_("Ask for it"), required=False)
    at_baseline = forms.BooleanField(label=_("At the start"), required=False)
    every_weeks = forms.IntegerField(
        label=_("Every N weeks (0: none)"), min_value=0, max_value=EVERY_WEEKS_MAX, initial=2
    )
    at_completion = forms.BooleanField(label=_("At completion"), required=False)
