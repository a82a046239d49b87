"""Progression and safety alerts: load the facts, ask the engine, store what it decides.

`plan_progression_refresh` is called when a session is logged (patients.services.session_log),
when a page asks, after an override, and by `manage.py evaluate_plans` (cron). It is
idempotent: evaluating twice stores the same snapshot and never raises an alert twice
(alerts are unique per plan lineage and cause).
"""

from bisect import insort
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent

from . import adherence, log_queries
from .models import Alert, Plan, PlanPause, PlanWeek, ProgressionOverride, SessionLog
from .progression import (
    OverrideFacts,
    ProgressionDecision,
    SessionFacts,
    Signal,
    WeekRule,
    decide,
    safety_signals,
)

Action = ProgressionOverride.Action


def plan_lineage(plan: Plan) -> list[Plan]:
    """The plan and the versions it replaced: one patient's continuous program.

    A revised plan keeps the start date and the history of the versions before it, so
    overrides, pauses and alerts recorded on an earlier version still count.
    """
    lineage = [plan]
    while lineage[-1].previous_version_id is not None:
        lineage.append(Plan.objects.get(pk=lineage[-1].previous_version_id))
    return lineage


def _paused_days(pauses, *, today: date) -> frozenset[date]:
    days = set()
    for pause in pauses:
        # Paused from `paused_on` up to (not including) the day it resumed; open: through today.
        end = pause.resumed_on - timedelta(days=1) if pause.resumed_on else today
        day = pause.paused_on
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


@dataclass(frozen=True)
class PlanItem:
    """One exercise of a plan week, as a session log needs it."""

    plan_exercise_id: int
    week: int
    order: int
    name: str
    slug: str


class LoggedDay(NamedTuple):
    """A day's stored session, as a session log needs it to edit that day."""

    session_id: int
    week_number: int
    created_at: datetime


class PlanContent:
    """A plan's weeks with their progression rules and its exercises, read in one query."""

    def __init__(self, plan: Plan):
        rows = log_queries.plan_content_rows(plan.pk)
        weeks: dict[int, WeekRule] = {}
        self.items: dict[int, PlanItem] = {}
        rule_count = len(PlanWeek.RULE_FIELDS)
        for number, *rest in rows:
            rule, (item_id, order, name, slug) = rest[:rule_count], rest[rule_count:]
            if number not in weeks:
                values = dict(zip(PlanWeek.RULE_FIELDS, rule, strict=True))
                # SQLite answers booleans as 0 and 1
                values["requires_therapist_confirmation"] = bool(values["requires_therapist_confirmation"])
                weeks[number] = WeekRule(number=number, **values)
            if item_id is not None:
                self.items[item_id] = PlanItem(item_id, number, order, name, slug)
        self.weeks = list(weeks.values())

    def exercise_ids(self, *, up_to_week: int) -> set[int]:
        return {item.plan_exercise_id for item in self.items.values() if item.week <= up_to_week}


class ProgressionFacts:
    """Everything the engine needs about one plan, loaded in a handful of queries."""

    def __init__(self, plan: Plan, *, today: date, content: PlanContent | None = None):
        self.plan, self.today = plan, today
        self.lineage = plan_lineage(plan)
        self.weeks = (content or PlanContent(plan)).weeks
        # The logs and the names of exercises that hurt, in one query: a row per log, or per
        # exercise that hurt in it (in the plan's order).
        rows = log_queries.history(patient_id=plan.patient_id, start=plan.start_date, end=today)
        logs: dict[int, tuple] = {}
        hurt: dict[int, list[str]] = {}
        #: The days logged: a session log finds the day's row here.
        self.logged: dict[date, LoggedDay] = {}
        for row in rows:
            logs.setdefault(
                row.pk, (row.date, row.pain_before, row.pain_after, row.symptom_change, row.week_number)
            )
            self.logged.setdefault(row.date, LoggedDay(row.pk, row.week_number, row.created_at))
            if row.hurt_name is not None:
                hurt.setdefault(row.pk, []).append(row.hurt_name)
        # The week each session is stored in now, so only the ones the engine moves are written.
        self.session_weeks = {pk: log[4] for pk, log in logs.items()}
        self.sessions = [
            SessionFacts(
                date=day,
                pain_before=before,
                pain_after=after,
                symptom_change=change,
                hurt_exercises=tuple(hurt.get(pk, ())),
                session_id=pk,
            )
            for pk, (day, before, after, change, _week) in logs.items()
        ]
        self.session_ids = {f.date: f.session_id for f in self.sessions}
        # A plan loaded by `log_queries.live_plan_for_update` says whether the patient has any
        # override or pause at all; most have none, and then there is nothing to read.
        overrides = []
        if getattr(plan, "has_overrides", True):
            overrides = ProgressionOverride.objects.filter(plan__in=self.lineage).order_by("created_at", "pk")
        self.overrides = [
            OverrideFacts(action=o.action, effective_on=o.effective_on, reason=o.reason, sequence=n)
            for n, o in enumerate(overrides)
        ]
        pauses = []
        if getattr(plan, "has_pauses", True):
            pauses = PlanPause.objects.filter(plan__in=self.lineage)
        self.paused_days = _paused_days(pauses, today=today)

    def record(self, session: SessionFacts, *, week: int) -> None:
        """Take in the session just stored (new, or replacing its day's), without reading again."""
        self.sessions = [f for f in self.sessions if f.date != session.date]
        insort(self.sessions, session, key=lambda facts: facts.date)
        self.session_ids[session.date] = session.session_id
        self.session_weeks[session.session_id] = week

    def decide(self, *, today: date | None = None) -> ProgressionDecision:
        return decide(
            weeks=self.weeks,
            sessions=self.sessions,
            overrides=self.overrides,
            start_date=self.plan.start_date,
            today=today or self.today,
            baseline_pain=self.plan.patient.baseline_pain,
            paused_days=self.paused_days,
        )

    def signals(self) -> list[Signal]:
        return safety_signals(
            sessions=self.sessions,
            baseline_pain=self.plan.patient.baseline_pain,
            start_date=self.plan.start_date,
            today=self.today,
            paused_days=self.paused_days,
        )


def plan_progression_decide(*, plan: Plan, today: date | None = None) -> ProgressionDecision:
    """What the engine decides for `plan` today (the patient's local date), storing nothing."""
    today = today or plan.patient.local_date()
    return ProgressionFacts(plan, today=today).decide()


def _raise_alerts(facts: ProgressionFacts, decision: ProgressionDecision) -> list[Alert]:
    """Create an Alert for every signal not alerted before on this plan or its earlier versions."""
    plan = facts.plan
    wanted = list(facts.signals())
    if decision.alert_therapist:
        wanted.append(
            Signal(
                kind=Alert.Kind.PROGRESSION_HELD,
                cause_key=f"held:{decision.week + 1}:{decision.week_started_on.isoformat()}",
                message=_("Held back from week %(week)s: %(reasons)s")
                % {"week": decision.week + 1, "reasons": " ".join(decision.reasons)},
            )
        )
    if not wanted:
        return []
    existing = log_queries.alerted_cause_keys(
        plan_ids=[p.pk for p in facts.lineage], cause_keys=[s.cause_key for s in wanted]
    )
    created = []
    for signal in wanted:
        if signal.cause_key in existing:
            continue
        session_id = facts.session_ids.get(signal.session_date) if signal.session_date else None
        try:
            with transaction.atomic():
                alert, was_created = Alert.objects.get_or_create(
                    plan=plan,
                    cause_key=signal.cause_key,
                    defaults={
                        "patient_id": plan.patient_id,
                        "session_id": session_id,
                        "kind": signal.kind,
                        "message": signal.message,
                    },
                )
        except IntegrityError:  # raised by a concurrent evaluation a moment ago
            continue
        existing.add(signal.cause_key)
        if was_created:
            created.append(alert)
    return created


def _sync_session_weeks(facts: ProgressionFacts, decision: ProgressionDecision) -> None:
    """Keep each session's `week_number` equal to the week the engine places that day in.

    The periods cover the plan's start to today, the days `facts` read: only sessions whose
    week changes are written (usually none).
    """
    moved: dict[int, list[int]] = {}
    for session in facts.sessions:
        for period in decision.periods:
            if period.start <= session.date <= period.end:
                if facts.session_weeks[session.session_id] != period.week:
                    moved.setdefault(period.week, []).append(session.session_id)
                break
    for week, ids in moved.items():
        SessionLog.objects.filter(pk__in=ids).update(week_number=week)
        facts.session_weeks.update(dict.fromkeys(ids, week))


# Nested in a caller's transaction (logging a session), no savepoint: an error rolls back the whole.
@transaction.atomic(savepoint=False)
def plan_progression_refresh(
    *,
    plan: Plan,
    today: date | None = None,
    session: SessionLog | None = None,
    facts: ProgressionFacts | None = None,
) -> Plan:
    """Re-evaluate a live plan: store its week, state and reasons, and raise any new alerts.

    `today` is the patient's local date (default: now in their time zone). Drafts and
    ended plans are returned unchanged. `session`, one of the plan's sessions just logged,
    gets the `week_number` the engine placed its day in. `facts`, when the caller has read
    them in this transaction (a session log does), are used instead of reading them again.
    """
    plan, _alerts, session_weeks = _refresh(plan, today=today, facts=facts)
    if session is not None and session.pk in session_weeks:
        session.week_number = session_weeks[session.pk]
    return plan


def plan_progression_refresh_if_stale(*, plan: Plan, today: date | None = None) -> Plan:
    """Re-evaluate a plan when pages ask, at most once per local day (the engine's answer only
    changes with a new day, a session or an override, and the last two refresh it already)."""
    today = today or plan.patient.local_date()
    evaluated_at = plan.progression_evaluated_at
    if evaluated_at is not None and plan.patient.local_date(evaluated_at) >= today:
        return plan
    with transaction.atomic():
        return plan_progression_refresh(plan=plan, today=today)


SNAPSHOT_FIELDS = ["current_week", "progression_state", "progression_reasons", "progression_evaluated_at"]


def _refresh(
    plan: Plan, *, today: date | None, facts: ProgressionFacts | None = None
) -> tuple[Plan, list[Alert], dict[int, int]]:
    """(the plan, alerts raised, {session id: week number}) after one evaluation."""
    if not plan.is_live:
        return plan, [], {}
    today = today or plan.patient.local_date()
    if facts is None:
        facts = ProgressionFacts(plan, today=today)
    decision = facts.decide()
    adherence.periods_store(plan=plan, decision=decision)  # the weeks adherence counts, kept with it
    snapshot = (decision.week, decision.state, list(decision.reasons))
    unchanged = snapshot == (plan.current_week, plan.progression_state, plan.progression_reasons)
    evaluated_at = plan.progression_evaluated_at
    # `progression_evaluated_at` is when the stored snapshot was last confirmed: once a local
    # day is enough (plan_progression_refresh_if_stale), so an unchanged decision writes nothing.
    if not (unchanged and evaluated_at is not None and plan.patient.local_date(evaluated_at) >= today):
        plan.current_week, plan.progression_state, plan.progression_reasons = snapshot
        plan.progression_evaluated_at = timezone.now()
        plan.save(update_fields=SNAPSHOT_FIELDS)
    _sync_session_weeks(facts, decision)
    return plan, _raise_alerts(facts, decision), facts.session_weeks


@transaction.atomic
def progression_override(
    *,
    plan: Plan,
    by,
    action: str,
    reason: str,
    effective_on: date | None = None,
    today: date | None = None,
) -> ProgressionOverride:
    """The therapist moves the patient on, holds them, releases a hold, or goes back a week.

    Only the patient's own therapist, on the plan the patient follows now, with a reason.
    `effective_on` (default: today in the patient's time zone) may be earlier in the plan,
    not in the future. Recorded with who, when and why; the plan is re-evaluated at once.
    """
    plan = Plan.objects.select_for_update().select_related("patient__clinic").get(pk=plan.pk)
    if not (getattr(by, "is_therapist", False) and plan.patient.therapist_id == by.pk):
        raise ValidationError(_("Only the patient's own therapist can do this."))
    if not plan.is_live:
        raise ValidationError(_("Only the plan the patient follows now can be moved on or held."))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("Say why, so the patient's history explains it."))
    if action not in Action.values:
        errors.setdefault("action", []).append(_("Choose move on, hold, release or go back."))
    today = today or plan.patient.local_date()
    effective_on = effective_on or today
    if effective_on > today:
        errors.setdefault("effective_on", []).append(_("Choose today or an earlier day."))
    elif effective_on < plan.start_date:
        errors.setdefault("effective_on", []).append(
            _("The plan started on %(day)s; choose that day or later.") % {"day": plan.start_date.isoformat()}
        )
    if errors:
        raise ValidationError(errors)

    facts = ProgressionFacts(plan, today=today)
    at = facts.decide(today=effective_on)
    last_week = max((w.number for w in facts.weeks), default=1)
    to_week = at.week
    if action == Action.ADVANCE:
        if at.week >= last_week:
            raise ValidationError(_("The patient is already in the last week of the plan."))
        to_week = at.week + 1
    elif action == Action.BACK:
        if at.week <= 1:
            raise ValidationError(_("The patient is in week 1; there is no week before it."))
        to_week = at.week - 1
    elif action == Action.HOLD and at.on_hold:
        raise ValidationError(_("The patient is already held in this week."))
    elif action == Action.RELEASE and not at.on_hold:
        raise ValidationError(_("There is no hold by the therapist to release."))

    override = ProgressionOverride.objects.create(
        plan=plan,
        action=action,
        from_week=at.week,
        to_week=to_week,
        effective_on=effective_on,
        reason=reason,
        created_by=by,
    )
    AuditEvent.record(
        actor=by,
        action=f"progression.{action}",
        target=plan,
        clinic=plan.patient.clinic,
        data={
            "from_week": at.week,
            "to_week": to_week,
            "effective_on": effective_on.isoformat(),
            "reason": reason,
        },
    )
    plan_progression_refresh(plan=plan, today=today)
    return override


def plans_evaluate_all(*, now=None) -> dict[str, int]:
    """Re-evaluate every live plan (each in its patient's time zone); for the cron command.

    Returns counts: plans evaluated, alerts raised, and plans per state.
    """
    counts: dict[str, int] = {"plans": 0, "alerts": 0}
    plans = Plan.objects.filter(status__in=Plan.LIVE_STATUSES).select_related("patient").order_by("pk")
    for plan in plans.iterator(chunk_size=200):
        with transaction.atomic():
            plan, raised, _weeks = _refresh(plan, today=plan.patient.local_date(now))
        counts["plans"] += 1
        counts["alerts"] += len(raised)
        counts[plan.progression_state] = counts.get(plan.progression_state, 0) + 1
    return counts
