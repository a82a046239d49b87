"""Who may see and change what: the one place that knows the clinic boundary and the roles.

Every view, viewset and report starts from `visible_to(user)` (may read) or
`changeable_by(user)` (may change), the querysets below that the patient models use as their
managers. Anything outside answers 404 because it is never found.

A view, a command or a test hands a service an object; the service does not trust it. It
reads the object again through `changeable(...)` (`changeable_by(by)`), inside its own
transaction and, where it changes state, under the row lock. An object outside the acting
user's scope (another therapist's patient, another clinic's, or any object at all for a
manager or a patient) raises `OutOfScope`: the same refusal whoever asks.
"""

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)


class OutOfScope(ValidationError):
    """The acting user may not change this object."""

    def __init__(self):
        super().__init__(_("Only the patient's own therapist can do this."), code="out_of_scope")


def changeable(model: type[M], pk: int, *, by, lock: bool, related: tuple[str, ...] = ()) -> M:
    """The `model` row `pk` as `by` may change it, read again now; OutOfScope if it is not theirs.

    Callers state with `lock` (no default) whether they hold the row lock until their
    transaction ends, as services that check a state and then change it must.
    """
    queryset = model._default_manager.changeable_by(by)
    if lock:
        queryset = queryset.select_for_update(of=("self",))  # this row, not the related ones read with it
    if related:
        queryset = queryset.select_related(*related)
    try:
        return queryset.get(pk=pk)
    except model.DoesNotExist:
        raise OutOfScope from None


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PatientQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.is_therapist:
            return self.filter(therapist=user, clinic_id=user.clinic_id)
        if user.is_manager:
            return self.filter(clinic_id=user.clinic_id)
        if user.is_patient:
            return self.filter(user=user)
        return self.none()

    def changeable_by(self, user) -> "PatientQuerySet":
        """Only a patient's own therapist changes their plan (superusers through the admin)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.is_therapist:
            return self.filter(therapist=user, clinic_id=user.clinic_id)
        return self.none()

    def record_exportable_by(self, user) -> "PatientQuerySet":
        """Whose whole record `user` may take away as a ZIP (records.services): a clinic manager,
        their clinic's patients. A therapist reads and prints, but does not export the record."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.is_manager:
            return self.filter(clinic_id=user.clinic_id)
        return self.none()

    def messages_readable_by(self, user) -> "PatientQuerySet":
        """Whose message thread `user` may read (messaging): the patient their own, the patient's
        therapist (the one assigned now), and the clinic's manager only where the clinic lets
        managers read messages (accounts.Clinic.managers_read_messages), read-only. Nobody else,
        site operators included: messages are between the patient and their therapist."""
        if not user.is_authenticated:
            return self.none()
        if user.is_therapist:
            return self.filter(therapist=user, clinic_id=user.clinic_id)
        if user.is_patient:
            return self.filter(user=user)
        if user.is_manager:
            return self.filter(clinic_id=user.clinic_id, clinic__managers_read_messages=True)
        return self.none()

    def messages_writable_by(self, user) -> "PatientQuerySet":
        """In whose thread `user` may write: the threads they read, but a manager's (read-only)."""
        if not user.is_authenticated or user.is_manager:
            return self.none()
        return self.messages_readable_by(user)

    def may_add(self, user) -> bool:
        """Whether `user` may add a patient: a therapist, to their own caseload and clinic."""
        return user.is_authenticated and user.is_therapist

    @staticmethod
    def may_compare_therapists(user) -> bool:
        """Whether `user` sees therapists' caseloads side by side in reports: a clinic manager
        (or a superuser). A therapist's report is their own caseload, with no comparison."""
        return user.is_authenticated and (user.is_superuser or user.is_manager)

    def therapists_compared_by(self, user) -> "PatientQuerySet":
        """The therapists (ids) whose caseloads `user` sees side by side in reports."""
        if self.may_compare_therapists(user):
            return self.visible_to(user).values("therapist_id")
        return self.none().values("therapist_id")


class PatientScopedQuerySet(models.QuerySet):
    """For models that belong to a patient through `patient_lookup`."""

    patient_lookup = "patient"

    def visible_to(self, user):
        return self.filter(**{f"{self.patient_lookup}__in": _patients().visible_to(user).values("pk")})

    def changeable_by(self, user):
        return self.filter(**{f"{self.patient_lookup}__in": _patients().changeable_by(user).values("pk")})


class MessageScopedQuerySet(models.QuerySet):
    """Messages: read and written by the thread's own rules (`messages_readable_by` and
    `messages_writable_by` above), not by who may see the patient's plan."""

    def visible_to(self, user):
        return self.filter(patient__in=_patients().messages_readable_by(user).values("pk"))

    def changeable_by(self, user):
        return self.filter(patient__in=_patients().messages_writable_by(user).values("pk"))


class PlanScopedQuerySet(PatientScopedQuerySet):
    patient_lookup = "plan__patient"


class PlanWeekScopedQuerySet(PatientScopedQuerySet):
    patient_lookup = "week__plan__patient"


class SessionScopedQuerySet(PatientScopedQuerySet):
    patient_lookup = "session__patient"


def _patients() -> "PatientQuerySet":
    from .models import Patient  # the models use these querysets: imported when first asked

    return Patient.objects.all()
