"""Who may see and change the exercise library and program templates: the one place that knows.

Exercises and program templates either ship with BackCare (no clinic: read-only for everyone,
copied to be changed) or belong to one clinic. A clinic's therapists and managers see the shipped
items and their own clinic's (`visible_to`) and change only their own clinic's (`changeable_by`);
patients do not browse the library (they see the exercises of their plan). Every page, API
endpoint and plan-building form starts from these querysets, so another clinic's item is never
found (404).

`library_changeable` is what services call: it reads the item again inside their transaction
and says in words why it may not be changed (shipped: copy it; otherwise not found).
"""

from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)

LIBRARY_ROLES = ("therapist", "manager")


def uses_library(user) -> bool:
    """Whether `user` browses and builds the clinic's library: its therapists and managers."""
    return bool(user.is_authenticated and getattr(user, "role", "") in LIBRARY_ROLES and user.clinic_id)


class ShippedReadOnly(PermissionDenied):
    """An item that ships with BackCare: nobody changes it; a clinic copies it instead."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("This ships with BackCare and is read-only: copy it to change it."))


class NotInLibrary(ValidationError):
    """The item is not in the acting user's library (another clinic's, or no such item)."""

    def __init__(self):
        super().__init__(_("This is not in your clinic's library."), code="out_of_scope")


class LibraryQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if uses_library(user):
            return self.filter(Q(clinic__isnull=True) | Q(clinic_id=user.clinic_id))
        return self.none()

    def changeable_by(self, user):
        """Only the clinic's own items, by its therapists and managers; shipped ones by nobody."""
        if uses_library(user):
            return self.filter(clinic_id=user.clinic_id)
        return self.none()

    def current(self):
        """Exercises: the versions the library offers now (not replaced by a newer one)."""
        if any(field.name == "replaced_by" for field in self.model._meta.fields):
            return self.filter(replaced_by__isnull=True)
        return self

    def pictures_visible_to(self, user):
        """Exercises whose uploaded picture `user` may see: everyone of the owning clinic, and a
        patient whose (non-draft) plan has the exercise, old versions included."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if uses_library(user):
            return self.filter(Q(clinic__isnull=True) | Q(clinic_id=user.clinic_id))
        if getattr(user, "role", "") == "patient":
            from patients.models import Plan, PlanExercise

            plans = Plan.objects.visible_to(user).exclude(status=Plan.Status.DRAFT)
            return self.filter(pk__in=PlanExercise.objects.filter(week__plan__in=plans).values("exercise_id"))
        return self.none()


def library_changeable(model: type[M], pk: int, *, by, lock: bool) -> M:
    """The library item `pk` as `by` may change it, read again now.

    Raises ShippedReadOnly for a shipped item and NotInLibrary for anything outside `by`'s clinic.
    """
    queryset = model._default_manager.changeable_by(by)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=pk)
    except model.DoesNotExist:
        if model._default_manager.visible_to(by).filter(pk=pk, clinic__isnull=True).exists():
            raise ShippedReadOnly from None
        raise NotInLibrary from None
