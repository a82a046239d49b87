"""Business rules for patients, plans, session logs and alerts, one module per thing changed.

Every page, form, API endpoint and management command calls these functions; a rule is
written once, here. Each takes the acting person (`by`) and reaches its object through the
access layer (`patients.access.changeable`). Rule violations raise
django.core.exceptions.ValidationError with messages a person can act on.
"""

from .alerts import alert_acknowledge, alert_comment_problem, alert_raise_once, alerts_acknowledge
from .patients import PATIENT_FIELDS, PATIENT_USER_FIELDS, patient_create, patient_invitation, patient_update
from .plan_lifecycle import plan_approve, plan_complete, plan_edit_and_approve, plan_pause, plan_resume
from .plans import (
    EARLIEST_START,
    LATEST_START,
    MAX_RULE_DAYS,
    PLAN_NOTE_MAX_LENGTH,
    plan_create_from_template,
    plan_edit,
    plan_exercise_add,
    plan_exercise_remove,
    plan_revise,
)
from .sessions import (
    BACKFILL_DAYS,
    NOTE_MAX_LENGTH,
    ExerciseEntry,
    exercise_entry_problems,
    session_day_window,
    session_log,
)

__all__ = [
    "BACKFILL_DAYS",
    "EARLIEST_START",
    "LATEST_START",
    "MAX_RULE_DAYS",
    "NOTE_MAX_LENGTH",
    "PATIENT_FIELDS",
    "PATIENT_USER_FIELDS",
    "PLAN_NOTE_MAX_LENGTH",
    "ExerciseEntry",
    "alert_acknowledge",
    "alert_comment_problem",
    "alert_raise_once",
    "alerts_acknowledge",
    "exercise_entry_problems",
    "patient_create",
    "patient_invitation",
    "patient_update",
    "plan_approve",
    "plan_complete",
    "plan_create_from_template",
    "plan_edit",
    "plan_edit_and_approve",
    "plan_exercise_add",
    "plan_exercise_remove",
    "plan_pause",
    "plan_resume",
    "plan_revise",
    "session_day_window",
    "session_log",
]
