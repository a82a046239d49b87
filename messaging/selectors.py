"""Unread counts, read by the patient's menu and the therapist's caseload."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from patients.models import Patient

from .models import Message


def unread_for_patient(*, patient: Patient) -> int:
    """Messages from the therapist the patient has not opened yet."""
    return Message.objects.filter(patient=patient, from_patient=False, read_at__isnull=True).count()


def unread_for_patient_login(*, user) -> int:
    """The same, for the patient logged in as `user`, in one query (the menu on every page)."""
    return Message.objects.filter(patient__user=user, from_patient=False, read_at__isnull=True).count()


def unread_from_patient_count() -> Coalesce:
    """An annotation for a Patient queryset: the patient's messages their therapist has not
    opened yet (one subquery in the same query, so a page of patients costs no more)."""
    unread = (
        Message.objects.filter(patient=OuterRef("pk"), from_patient=True, read_at__isnull=True)
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)
