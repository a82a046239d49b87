"""What printing records: who in the clinic took a patient's program away as a PDF."""

from audit.models import AuditEvent
from patients.models import Plan


def program_pdf_record(*, by, plan: Plan) -> AuditEvent:
    """A therapist's or manager's download of a patient's printed program (health data leaving)."""
    return AuditEvent.record(
        actor=by,
        action="plan.printed",
        target=plan,
        clinic=plan.patient.clinic,
        summary=f"program.pdf {plan}",
        data={"export": "program.pdf", "patient": plan.patient_id, "version": plan.version},
    )
