"""Short names for the audit trail's action codes, for its filter (audit.describe words each event)."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "patient.created": _("Patient added"),
    "patient.invited": _("Invitation link made"),
    "patient.changed": _("Patient's details changed"),
    "patient.record_exported": _("Patient's record exported"),
    "email.change_requested": _("New email address asked for"),
    "email.change_confirmed": _("New email address confirmed"),
    "email.change_cancelled": _("New email address withdrawn"),
    "email.removed": _("Email address removed"),
    "password.reset_requested": _("Password reset link asked for"),
    "password.reset_completed": _("Password chosen from a one-time link"),
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
    "clinic.two_factor_required": _("Two-factor login requirement changed"),
    "two_factor.enabled": _("Two-factor login turned on"),
    "two_factor.disabled": _("Two-factor login turned off"),
    "two_factor.recovery_codes_renewed": _("New recovery codes made"),
    "two_factor.recovery_code_used": _("Logged in with a recovery code"),
    "account.sessions_ended": _("All logins ended"),
    "exercise.created": _("Exercise added to the library"),
    "exercise.changed": _("Library exercise changed"),
    "exercise.copied": _("Exercise copied into the library"),
    "program.created": _("Program template made"),
    "program.changed": _("Program template changed"),
    "program.copied": _("Program template copied"),
    "plan.outcomes_changed": _("Plan's questionnaires changed"),
    "rtm.time_recorded": _("Treatment-management time recorded"),
    "fhir.exported": _("Record exported (FHIR)"),
    "reminders.turned_on": _("Reminders turned on"),
    "reminders.turned_off": _("Reminders turned off"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
