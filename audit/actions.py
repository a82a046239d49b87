"""Readable names for the audit trail's action codes. A code without a name here is shown as is."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "patient.created": _("Patient added"),
    "plan.created": _("Plan created"),
    "plan.changed": _("Plan changed"),
    "plan.approved": _("Plan approved"),
    "plan.paused": _("Plan paused"),
    "plan.resumed": _("Plan resumed"),
    "plan.completed": _("Plan completed"),
    "plan.overridden": _("Progression overridden"),
    "progression.override": _("Progression overridden"),
    "alert.acknowledged": _("Alert acknowledged"),
    "report.exported": _("Report exported"),
    "plan.printed": _("Program printed (PDF)"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
