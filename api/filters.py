"""Query-string filters for the API's lists (django-filter).

Choices of patients are limited to those the caller may see, so a filter can never reveal
that someone else's patient exists: it answers 400 like any unknown id.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from patients.models import Alert, Patient, Plan, SessionLog


def _visible_patients(request):
    if request is None:  # schema generation
        return Patient.objects.none()
    return Patient.objects.visible_to(request.user)


class PatientChoiceFilter(filters.ModelChoiceFilter):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", _visible_patients)
        kwargs.setdefault("help_text", _("Only this patient (an id from /api/v1/patients/)."))
        super().__init__(**kwargs)


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


class AlertFilter(filters.FilterSet):
    patient = PatientChoiceFilter()
    kind = filters.ChoiceFilter(choices=Alert.Kind.choices)
    open = filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", help_text=_("true: not yet acknowledged.")
    )

    class Meta:
        model = Alert
        fields = ["patient", "kind", "open"]
