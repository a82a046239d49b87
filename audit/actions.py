"""Short names for the audit trail's action codes, for its filter (audit.describe words each event)."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "patient.created": _("Patient added"),
    "patient.invited": _("Invitation link made"),
    "patient.changed": _("Patient's details changed"),
    "plan.created": _("Plan created"),
    "plan.revised": _("New plan version drafted"),
    "plan.changed": _("Plan changed"),
    "plan.approved": _("Plan approved"),
    "plan.paused": _("Plan paused"),
    "plan.resumed": _("Plan resumed"),
    "plan.completed": _("Plan completed"),
    "plan.overridden": _("Progression overridden"),
    "progression.override": _("Progression overridden"),
    "progression.advance": _("Moved on a week"),
    "progression.hold": _("Held in a week"),
    "progression.release": _("Hold released"),
    "progression.back": _("Moved back a week"),
    "alert.acknowledged": _("Alert acknowledged"),
    "report.exported": _("Report exported"),
    "plan.printed": _("Program printed (PDF)"),
    "rtm.time_recorded": _("Treatment-management time recorded"),
    "fhir.exported": _("Record exported (FHIR)"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
