"""The audit trail's query string: what happened, to which patient, by whom, between which days."""

import datetime as dt
import zoneinfo

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from patients.models import Patient

from .actions import action_label
from .forms import AuditFilterForm
from .models import AuditEvent

User = get_user_model()


class _NameChoice(django_filters.ModelChoiceFilter):
    """A choice of a person shown by their name (full name, or username when they have none)."""

    def __init__(self, *args, name_of, **kwargs):
        self.name_of = name_of
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        field = super().field
        field.label_from_instance = self.name_of
        return field


class AuditEventFilter(django_filters.FilterSet):
    """Used by the audit trail page; every choice is limited to the reader's clinic."""

    action = django_filters.ChoiceFilter(label=_("What happened"), empty_label=_("Everything"))
    patient = _NameChoice(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        empty_label=_("Every patient"),
        name_of=lambda patient: str(patient.user),
    )
    actor = _NameChoice(label=_("Who"), queryset=User.objects.none(), empty_label=_("Everyone"), name_of=str)
    start = django_filters.DateFilter(
        label=_("From"),
        method="filter_start",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    end = django_filters.DateFilter(
        label=_("To"),
        method="filter_end",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []  # all declared above
        form = AuditFilterForm

    def __init__(
        self, data=None, queryset=None, *, user, actions: list[str], tz: zoneinfo.ZoneInfo, **kwargs
    ):
        super().__init__(data, queryset, **kwargs)
        self.tz = tz
        self.filters["action"].extra["choices"] = [(code, action_label(code)) for code in actions]
        self.filters["patient"].queryset = (
            Patient.objects.visible_to(user)
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        self.filters["actor"].queryset = User.objects.filter(
            clinic_id=user.clinic_id, role__in=[User.Role.THERAPIST, User.Role.MANAGER]
        ).order_by("last_name", "first_name", "username")

    def filter_start(self, queryset, name, value: dt.date):
        return queryset.filter(created_at__gte=dt.datetime.combine(value, dt.time.min, tzinfo=self.tz))

    def filter_end(self, queryset, name, value: dt.date):
        return queryset.filter(
            created_at__lt=dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz)
        )
