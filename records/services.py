"""Taking a patient's whole record away: who may, and the audit trail's note that they did."""

from django.utils.text import slugify

from audit.models import AuditEvent
from patients.models import Patient

from .export import record_zip


def record_export(*, patient_pk: int, by, base_url: str) -> tuple[str, bytes]:
    """`(filename, zip bytes)` of the record of patient `patient_pk`, recorded as exported by `by`.

    The patient is read through `Patient.objects.record_exportable_by(by)` (a manager of their
    clinic): anyone else's request raises Patient.DoesNotExist, which pages and the API answer 404.
    """
    patient = (
        Patient.objects.record_exportable_by(by)
        .select_related("user", "clinic", "therapist")
        .get(pk=patient_pk)
    )
    content = record_zip(patient=patient, by=by, base_url=base_url)
    AuditEvent.record(
        actor=by,
        action="patient.record_exported",
        target=patient,
        clinic=patient.clinic,
        patient=patient,
        summary=f"record.zip {patient}",
        data={"export": "record.zip", "bytes": len(content)},
    )
    name = slugify(patient.user.get_full_name()) or f"patient-{patient.pk}"
    return f"backcare-record-{name}-{patient.local_date().isoformat()}.zip", content
