"""The portal's one way to reach a patient: through the models' access layer.

Every portal view that works on a patient, a plan, an alert or a session goes through
`patient_for`; anything below a patient is then looked up *within* that patient. A patient
outside the therapist's caseload (same clinic or another) is simply not found: 404.
A clinic manager reads (change=False) the patients of their own clinic; they change nothing.
"""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from patients.models import Patient


def patient_for(request: HttpRequest, pk: int, *, change: bool) -> Patient:
    """The patient `pk` if the logged-in user may read it (change=False) or change it (change=True).

    Callers state their intent with `change` (no default), as in Zulip's `access_user_by_id`.
    """
    queryset = (
        Patient.objects.changeable_by(request.user) if change else Patient.objects.visible_to(request.user)
    )
    return get_object_or_404(queryset.select_related("user", "clinic", "therapist"), pk=pk)


def may_change(request: HttpRequest, patient: Patient) -> bool:
    """Whether the logged-in user may change `patient` (a clinic manager only reads)."""
    return Patient.objects.changeable_by(request.user).filter(pk=patient.pk).exists()


def may_export_record(request: HttpRequest, patient: Patient) -> bool:
    """Whether the logged-in user may download `patient`'s whole record (a manager of the clinic)."""
    return Patient.objects.record_exportable_by(request.user).filter(pk=patient.pk).exists()
