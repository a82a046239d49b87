"""Query-string filters for the API's lists (django-filter).

Choices of patients are limited to those the caller may see, so a filter can never reveal
that someone else's patient exists: it answers 400 like any unknown id.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from outcomes.models import PlanOutcome
from patients.filters import AlertFilter, PatientChoiceFilter  # AlertFilter is shared with the portal
from patients.models import Plan, SessionLog

__all__ = ["AlertFilter", "PatientChoiceFilter", "PlanFilter", "ScheduleFilter", "SessionFilter"]


def visible_plans(request):
    if request is None:  # schema generation
        return Plan.objects.none()
    return Plan.objects.visible_to(request.user)


class SessionFilter(filters.FilterSet):
    date = filters.DateFilter(field_name="date", help_text=_("Sessions of this day."))
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte", help_text=_("From this day on."))
    date_before = filters.DateFilter(field_name="date", lookup_expr="lte", help_text=_("Up to this day."))
    patient = PatientChoiceFilter()

    class Meta:
        model = SessionLog
        fields = ["date", "date_after", "date_before", "patient"]


class PlanFilter(filters.FilterSet):
    patient = PatientChoiceFilter()
    status = filters.ChoiceFilter(choices=Plan.Status.choices)

    class Meta:
        model = Plan
        fields = ["patient", "status"]


class ScheduleFilter(filters.FilterSet):
    plan = filters.ModelChoiceFilter(
        queryset=visible_plans, help_text=_("Only this plan's (an id from /api/v1/plans/).")
    )

    class Meta:
        model = PlanOutcome
        fields = ["plan"]
