"""Progression and safety alerts: load the facts, ask the engine, store what it decides.

The stored week, state and reasons (and what follows from them: the sessions' week numbers,
alerts) have one writer: `plan_progression_store`, called with the plan's row locked
(`plan_for_update`) and the facts read under that lock — by a session log
(patients.services.session_log), an override, a pause, a resume, an approval, the daily
`manage.py evaluate_plans` (each plan in its own transaction) and, at most once a local day,
a page (`plan_progression_refresh_if_stale`). It is idempotent: evaluating twice stores the
same snapshot and never raises an alert twice (alerts are unique per plan lineage and cause).
"""

from bisect import insort
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.models import AuditEvent

from . import adherence
from .access import OutOfScope
from .models import (
    Alert,
    Plan,
    PlanPause,
    PlanWeek,
    ProgressionNotice,
    ProgressionOverride,
    ProgressionPeriod,
    SessionLog,
    text_too_long,
)
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
        # A row per plan exercise with its week's rule (a week without exercises: one row, None
        # for the exercise), in the plan's order.
        rows = (
            PlanWeek.objects.filter(plan_id=plan.pk)
            .order_by("number", "exercises__order", "exercises__id")
            .values_list(
                "number",
                *PlanWeek.RULE_FIELDS,
                "exercises__id",
                "exercises__order",
                "exercises__exercise__name",
                "exercises__exercise__slug",
            )
        )
        weeks: dict[int, WeekRule] = {}
        self.items: dict[int, PlanItem] = {}
        rule_count = len(PlanWeek.RULE_FIELDS)
        for number, *rest in rows:
            rule, (item_id, order, name, slug) = rest[:rule_count], rest[rule_count:]
            if number not in weeks:
                weeks[number] = WeekRule(number=number, **dict(zip(PlanWeek.RULE_FIELDS, rule, strict=True)))
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
        rows = (
            SessionLog.objects.filter(patient_id=plan.patient_id, date__gte=plan.start_date, date__lte=today)
            .annotate(hurt_row=FilteredRelation("exercises", condition=Q(exercises__hurt=True)))
            .order_by(
                "date",
                "hurt_row__plan_exercise__week__number",
                "hurt_row__plan_exercise__order",
                "hurt_row__id",
            )
            .values_list(
                "pk",
                "date",
                "pain_before",
                "pain_after",
                "symptom_change",
                "week_number",
                "created_at",
                "hurt_row__plan_exercise__exercise__name",
            )
        )
        logs: dict[int, tuple] = {}
        hurt: dict[int, list[str]] = {}
        #: The days logged: a session log finds the day's row here.
        self.logged: dict[date, LoggedDay] = {}
        for pk, day, before, after, change, week, created_at, hurt_name in rows:
            logs.setdefault(pk, (day, before, after, change, week))
            self.logged.setdefault(day, LoggedDay(pk, week, created_at))
            if hurt_name is not None:
                hurt.setdefault(pk, []).append(hurt_name)
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
        # A plan loaded by `plan_live_for_update` says whether the patient has any
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


def _raise_alerts(facts: ProgressionFacts) -> list[Alert]:
    """Create an Alert for every safety signal not alerted before on this plan or its earlier versions."""
    plan = facts.plan
    wanted = list(facts.signals())
    if not wanted:
        return []
    existing = set(
        Alert.objects.filter(
            plan__in=[p.pk for p in facts.lineage], cause_key__in=[s.cause_key for s in wanted]
        ).values_list("cause_key", flat=True)
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


def _notice_cause_key(decision: ProgressionDecision) -> str:
    return f"held:{decision.week + 1}:{decision.week_started_on.isoformat()}"


def _notice_close_reason(notice: ProgressionNotice, decision: ProgressionDecision) -> str:
    held_in = notice.week - 1
    if decision.week > held_in:
        return _("Moved on to week %(week)s.") % {"week": decision.week}
    if decision.week < held_in:
        return _("Went back to week %(week)s.") % {"week": decision.week}
    if decision.on_hold:
        return _("Held in week %(week)s by the therapist.") % {"week": decision.week}
    if decision.alert_therapist:  # the same week, started again
        return _("Week %(week)s started again on %(day)s.") % {
            "week": decision.week,
            "day": date_format(decision.week_started_on, "j F"),
        }
    return _("The condition cleared.")


def _notice_close(notice: ProgressionNotice, *, reason: str) -> None:
    notice.closed_at, notice.close_reason = timezone.now(), reason
    notice.save(update_fields=["closed_at", "close_reason"])


def _sync_notice(plan: Plan, decision: ProgressionDecision, *, was_held: bool) -> None:
    """Open, update or close the plan's "held back" notice so that it says what the engine decided.

    A notice is open only while the stored state is held (this function closes it in the same
    evaluation that moves the state on), so a plan that was not held and is not held now has
    none to look for.
    """
    if not (was_held or decision.alert_therapist):
        return
    notice = ProgressionNotice.objects.filter(plan=plan, closed_at__isnull=True).first()
    cause_key = _notice_cause_key(decision)
    if notice is not None and not (decision.alert_therapist and notice.cause_key == cause_key):
        _notice_close(notice, reason=_notice_close_reason(notice, decision))
        notice = None
    if not decision.alert_therapist:
        return
    message = _("Held back from week %(week)s: %(reasons)s") % {
        "week": decision.week + 1,
        "reasons": " ".join(decision.reasons),
    }
    if notice is None:
        ProgressionNotice.objects.create(
            plan=plan, week=decision.week + 1, message=message, cause_key=cause_key
        )
    elif notice.message != message:  # the same hold, for reasons that changed
        notice.message = message
        notice.save(update_fields=["message"])


def plan_notices_close(*, plan: Plan, reason: str) -> None:
    """Close the plan's open notice when the plan ends; the caller holds the plan's lock."""
    for notice in ProgressionNotice.objects.filter(plan=plan, closed_at__isnull=True):
        _notice_close(notice, reason=reason)


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


def plan_live_for_update(*, patient_id: int) -> Plan | None:
    """The patient's live (approved or paused) plan, locked until the transaction ends.

    It says whether the patient has any override or pause (`has_overrides`, `has_pauses`), so
    that evaluating it skips reading them when there are none, as for most patients.
    """
    same_patient = {"plan__patient_id": OuterRef("patient_id")}
    return (
        Plan.objects.select_for_update()
        .filter(patient_id=patient_id, status__in=Plan.LIVE_STATUSES)
        .annotate(
            has_overrides=Exists(ProgressionOverride.objects.filter(**same_patient)),
            has_pauses=Exists(PlanPause.objects.filter(**same_patient)),
        )
        .order_by("pk")
        .first()
    )


def plan_for_update(plan_id: int) -> Plan:
    """The plan, with its patient, read again and locked until the transaction ends.

    Every writer of the plan's progression (its week, state, reasons, its sessions' weeks and
    its alerts) holds this lock and reads the facts after taking it, so two writers never
    decide from facts the other is changing. Only the plan row is locked.
    """
    queryset = Plan.objects.select_related("patient")
    if connection.features.has_select_for_update_of:
        return queryset.select_for_update(of=("self",)).get(pk=plan_id)
    return queryset.select_for_update().get(pk=plan_id)


@transaction.atomic
def plan_progression_refresh(*, plan: Plan, today: date | None = None) -> Plan:
    """Re-evaluate a live plan under its lock: store its week, state and reasons, and raise any
    new alerts. Returns the plan as stored (read again under the lock).

    `today` is the patient's local date (default: now in their time zone). Drafts and ended
    plans are returned unchanged.
    """
    locked = plan_for_update(plan.pk)
    return plan_progression_store(plan=locked, today=today)


def plan_progression_store(
    *,
    plan: Plan,
    today: date | None = None,
    session: SessionLog | None = None,
    facts: ProgressionFacts | None = None,
    alerts: bool = True,
) -> Plan:
    """Evaluate and store, for a caller that holds the plan's lock (`plan_for_update`, or the
    session log's own locked read) in its transaction and read `plan` under it.

    `session`, one of the plan's sessions just logged, gets the `week_number` the engine placed
    its day in. `facts`, when the caller has read them under the lock (a session log does), are
    used instead of reading them again. Without `alerts` only the week, state and reasons are
    stored: an approval decides where the patient starts, but nothing the patient did or left
    undone is alerted about until the plan is theirs (the next log, page or daily run does).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("plan_progression_store needs the caller's transaction, holding the plan's lock.")
    plan, _alerts, session_weeks = _refresh(plan, today=today, facts=facts, alerts=alerts)
    if session is not None and session.pk in session_weeks:
        session.week_number = session_weeks[session.pk]
    return plan


def _evaluated_on_or_after(plan: Plan, today: date) -> bool:
    evaluated_at = plan.progression_evaluated_at
    return evaluated_at is not None and plan.patient.local_date(evaluated_at) >= today


def plan_progression_refresh_if_stale(*, plan: Plan, today: date | None = None) -> Plan:
    """Re-evaluate a plan when pages ask, at most once per local day (the engine's answer only
    changes with a new day, a session or an override, and the last two refresh it already).

    A page's copy of the plan may be old: a stale-looking one is read again under the plan's
    lock, and evaluated only if the stored evaluation is still from an earlier day, so a page
    never overwrites what a session log or an override stored meanwhile. The stored snapshot
    is copied onto `plan` (the page's object, with whatever it read along), which is returned.
    """
    today = today or plan.patient.local_date()
    if _evaluated_on_or_after(plan, today):
        return plan
    with transaction.atomic():
        locked = plan_for_update(plan.pk)
        if not _evaluated_on_or_after(locked, today):
            locked = plan_progression_store(plan=locked, today=today)
    for name in ("status", *SNAPSHOT_FIELDS):
        setattr(plan, name, getattr(locked, name))
    return plan


SNAPSHOT_FIELDS = ["current_week", "progression_state", "progression_reasons", "progression_evaluated_at"]


def _refresh(
    plan: Plan, *, today: date | None, facts: ProgressionFacts | None = None, alerts: bool = True
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
    was_held = plan.progression_state == Plan.ProgressionState.HELD
    if not (unchanged and evaluated_at is not None and plan.patient.local_date(evaluated_at) >= today):
        plan.current_week, plan.progression_state, plan.progression_reasons = snapshot
        plan.progression_evaluated_at = timezone.now()
        plan.save(update_fields=SNAPSHOT_FIELDS)
    _sync_session_weeks(facts, decision)
    if alerts:
        _sync_notice(plan, decision, was_held=was_held)
    return plan, _raise_alerts(facts) if alerts else [], facts.session_weeks


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
    if not Plan.objects.changeable_by(by).filter(pk=plan.pk).exists():
        raise OutOfScope
    if not plan.is_live:
        raise ValidationError(_("Only the plan the patient follows now can be moved on or held."))
    errors: dict[str, list] = {}
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("Say why, so the patient's history explains it."))
    elif too_long := text_too_long(reason):
        errors.setdefault("reason", []).append(too_long)
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
        patient=plan.patient,
        data={
            "from_week": at.week,
            "to_week": to_week,
            "effective_on": effective_on.isoformat(),
            "reason": reason,
        },
    )
    plan_progression_store(plan=plan, today=today)
    return override


def plans_evaluate_all(*, now=None) -> dict[str, int]:
    """Re-evaluate every live plan (each in its patient's time zone); for the cron command.

    Returns counts: plans evaluated, alerts raised, and plans per state.
    """
    counts: dict[str, int] = {"plans": 0, "alerts": 0}
    live = Plan.objects.filter(status__in=Plan.LIVE_STATUSES).order_by("pk")
    plan_ids = list(live.values_list("pk", flat=True))
    for plan_id in plan_ids:
        # Each plan in its own transaction, under its lock, its facts read after taking it.
        with transaction.atomic():
            plan = plan_for_update(plan_id)
            plan, raised, _weeks = _refresh(plan, today=plan.patient.local_date(now))
        counts["plans"] += 1
        counts["alerts"] += len(raised)
        counts[plan.progression_state] = counts.get(plan.progression_state, 0) + 1
    return counts


# --- The week periods adherence counts, outside a session log or an override -----------------


def periods_refresh(*, plan: Plan, today: date) -> bool:
    """Store the periods the engine decides for `plan` as of `today`, nothing else.

    For the plan's life-cycle services, which hold its lock: approval (so a new plan's days
    have their week at once), pause and resume (paused days do not count towards a week), and
    just before a plan is superseded or completed (so its periods are final up to its end).
    """
    return adherence.periods_store(plan=plan, decision=ProgressionFacts(plan, today=today).decide())


@transaction.atomic
def periods_fill(*, missing_only: bool = True) -> int:
    """Store periods for every counted plan (for databases from before periods existed).

    Live plans are re-evaluated today; ended ones as of the day they ended (completed or
    superseded, in the patient's time zone). With
    `missing_only`, plans that already have periods are left alone. Returns the plans written.
    """
    plans = Plan.objects.filter(adherence.counted()).select_related("patient").order_by("pk")
    if missing_only:
        plans = plans.filter(~Exists(ProgressionPeriod.objects.filter(plan=OuterRef("pk"))))
    written = 0
    for plan in plans.select_for_update(of=("self",)).iterator(chunk_size=200):
        today = plan.patient.local_date(None if plan.is_live else plan.ended_at)
        written += periods_refresh(plan=plan, today=today)
    return written
