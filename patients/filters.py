"""Query-string filters shared by the portal's pages and the API's lists (django-filter).

One FilterSet per list, so `?kind=hurt&open=true&patient=3&raised_after=2026-11-01` means the
same on /portal/alerts/ and /api/v1/alerts/. Choices of patients are limited to those the
caller may see, so a filter can never reveal that someone else's patient exists: it is
refused like any unknown id.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from .models import Alert, Patient


def visible_patients(request):
    if request is None:  # schema generation
        return Patient.objects.none()
    return Patient.objects.visible_to(request.user).select_related("user")


class PatientChoiceFilter(filters.ModelChoiceFilter):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", visible_patients)
        kwargs.setdefault("help_text", _("Only this patient (an id from /api/v1/patients/)."))
        super().__init__(**kwargs)


class AlertFilter(filters.FilterSet):
    patient = PatientChoiceFilter()
    kind = filters.ChoiceFilter(choices=Alert.Kind.choices, help_text=_("Only alerts of this kind."))
    open = filters.BooleanFilter(
        field_name="acknowledged_at",
        lookup_expr="isnull",
        help_text=_("true: not yet acknowledged; false: acknowledged."),
    )
    raised_after = filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text=_("Raised on this day or later.")
    )
    raised_before = filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text=_("Raised on this day or earlier.")
    )

    class Meta:
        model = Alert
        fields = ["patient", "kind", "open", "raised_after", "raised_before"]
