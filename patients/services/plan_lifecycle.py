"""A plan's life once drafted: approved (replacing the live version), paused, resumed, completed.

Each change of status is made under the plan's row lock, and the progression engine's one writer
(`plan_progression_store`) decides the patient's week from it. Drafting is plans.py.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import changeable
from ..models import Plan, PlanExercise, PlanPause
from ..progression_services import periods_refresh, plan_notices_close, plan_progression_store
from .common import _audit, _text_too_long
from .plans import User, plan_edit


def _plan_end(*, plan: Plan, status: str, by: User, now: datetime, reason: str) -> None:
    """End a live plan (superseded by a new version, or completed): an open pause ends today,
    its week periods are counted one last time, and its open progression notices close."""
    today = plan.patient.local_date(now)
    PlanPause.objects.filter(plan=plan, resumed_on__isnull=True).update(resumed_on=today, resumed_by=by)
    periods_refresh(plan=plan, today=today)  # final
    plan.status, plan.ended_at = status, now
    plan.save(update_fields=["status", "ended_at"])
    plan_notices_close(plan=plan, reason=reason)


@transaction.atomic
def plan_approve(*, plan: Plan, by: User) -> Plan:
    """Approve a draft: records who and when, freezes it, and makes it the patient's plan.

    The version it replaces (if any) becomes superseded and stays readable.
    """
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if plan.status != Plan.Status.DRAFT:
        raise ValidationError(_("Only a draft plan can be approved."))
    if not PlanExercise.objects.filter(week__plan=plan).exists():
        raise ValidationError(_("A plan needs at least one exercise before it is approved."))
    now = timezone.now()
    previous = (
        Plan.objects.select_for_update().filter(patient=plan.patient, status__in=Plan.LIVE_STATUSES).first()
    )
    if previous is not None:
        previous.patient = plan.patient
        _plan_end(
            plan=previous,
            status=Plan.Status.SUPERSEDED,
            by=by,
            now=now,
            reason=_("A new version of the plan replaced this one."),
        )
    plan.status, plan.approved_by, plan.approved_at = Plan.Status.APPROVED, by, now
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    _audit(by=by, action="plan.approved", target=plan, patient=plan.patient, data={"version": plan.version})
    # The patient follows it from now: where they start (and the week periods adherence counts),
    # decided under its lock.
    return plan_progression_store(plan=plan, alerts=False)


@transaction.atomic
def plan_edit_and_approve(*, plan: Plan, by: User, **changes) -> Plan:
    """Save the changes on a draft's page (as `plan_edit` takes them), then approve it.

    One transaction: either the therapist's changes are stored and the version that holds them
    is approved, or (any refusal, from either step) nothing is stored.
    """
    plan = plan_edit(plan=plan, by=by, **changes)
    return plan_approve(plan=plan, by=by)


@transaction.atomic
def plan_pause(*, plan: Plan, by: User, reason: str = "", on: date | None = None) -> Plan:
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if plan.status != Plan.Status.APPROVED:
        raise ValidationError(_("Only an approved plan can be paused."))
    if too_long := _text_too_long(reason):
        raise ValidationError({"reason": too_long})
    reason = reason.strip()
    paused_on = on or plan.patient.local_date()
    PlanPause.objects.create(plan=plan, paused_on=paused_on, paused_by=by, reason=reason)
    plan.status = Plan.Status.PAUSED
    plan.save(update_fields=["status"])
    _audit(by=by, action="plan.paused", target=plan, patient=plan.patient, data={"reason": reason})
    return plan_progression_store(plan=plan)


@transaction.atomic
def plan_resume(*, plan: Plan, by: User, on: date | None = None) -> Plan:
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if plan.status != Plan.Status.PAUSED:
        raise ValidationError(_("Only a paused plan can be resumed."))
    resumed_on = on or plan.patient.local_date()
    pause = plan.pauses.get(resumed_on__isnull=True)
    pause.resumed_on, pause.resumed_by = max(resumed_on, pause.paused_on), by
    pause.save(update_fields=["resumed_on", "resumed_by"])
    plan.status = Plan.Status.APPROVED
    plan.save(update_fields=["status"])
    _audit(by=by, action="plan.resumed", target=plan, patient=plan.patient)
    return plan_progression_store(plan=plan)


@transaction.atomic
def plan_complete(*, plan: Plan, by: User) -> Plan:
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if not plan.is_live:
        raise ValidationError(_("Only an approved or paused plan can be completed."))
    _plan_end(
        plan=plan,
        status=Plan.Status.COMPLETED,
        by=by,
        now=timezone.now(),
        reason=_("The plan was completed."),
    )
    _audit(by=by, action="plan.completed", target=plan, patient=plan.patient)
    return plan
