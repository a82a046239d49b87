"""The progression engine: which week a plan is in, and whether the patient may move on.

Pure functions over plain facts. Nothing here reads the database or the clock: the caller
(patients.progression_services) loads the plan's rules, sessions, overrides and paused
days, passes "today" in the patient's own time zone, and stores what comes back. The same
inputs always give the same answer, so the stored snapshot can always be recomputed.

How a plan moves through its weeks
----------------------------------
* The plan starts in week 1 on its start date. The rule of week N+1 says when a patient
  may leave week N ("the previous week").
* A day counts towards the week once it is over ("completed days"); paused days never
  count. The sessions that count towards "minimum sessions logged" are those of the last
  `min_days_in_previous_week` completed, unpaused days of the week (the whole stay when 0).
* Safety conditions look at what is known: "no worse in the last N sessions" at the most
  recent N sessions; the pain limits at the sessions of that same window, today's session
  included (a pain spike logged today holds the patient back today).
* An automatic rule moves the patient on at the start of the first day on which it is met.
  A rule that needs the therapist's confirmation makes the plan READY; the therapist's
  ADVANCE override moves it on.
* When the minimum days are over and a condition fails, the plan is HELD (rule
  `on_not_met` = alert: the therapist is alerted) or simply stays IN_WEEK (`stay`). Held is
  recomputed every day: when the condition clears, the plan becomes ready again.
* Overrides apply on their `effective_on` day, in the order they were recorded:
  ADVANCE moves on a week (and lifts a therapist's hold), BACK goes back a week, HOLD keeps
  the patient in their week whatever the rules say until RELEASE.
* In the last week the plan is FINISHED (unless the therapist holds it).

Safety signals (`safety_signals`) are computed from the same facts; each has a stable
`cause_key` so the service raises an alert once per cause, however often it re-evaluates.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .choices import AlertKind, OverrideAction, ProgressionState, SymptomChange

State = ProgressionState
Action = OverrideAction

# Safety thresholds (the design's, fixed for every plan).
HIGH_PAIN = 7  # pain after a session at or above this is a signal
PAIN_RISE = 2  # points above baseline: the usual minimal clinically important difference
SILENCE_DAYS = 3  # this many whole (unpaused) days without a session
BASELINE_FIRST_SESSIONS = 1  # without a recorded baseline: the first session's pain before


# --- Facts in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekRule:
    """A plan week's number and the rule for moving on *to* it (from the week before)."""

    number: int
    min_days_in_previous_week: int = 7
    min_sessions_in_previous_week: int = 5
    no_worse_in_last_sessions: int = 3
    pain_rise_limit: int | None = 2
    pain_ceiling: int | None = None
    requires_therapist_confirmation: bool = True
    on_not_met: str = "alert"


@dataclass(frozen=True)
class SessionFacts:
    date: date
    pain_before: int
    pain_after: int
    symptom_change: str
    hurt_exercises: tuple[str, ...] = ()
    session_id: int | None = None

    @property
    def pain(self) -> int:
        """The highest pain the patient reported that day."""
        return max(self.pain_before, self.pain_after)

    @property
    def worse(self) -> bool:
        return self.symptom_change == SymptomChange.WORSE


@dataclass(frozen=True)
class OverrideFacts:
    action: str
    effective_on: date
    reason: str = ""
    sequence: int = 0  # the order in which they were recorded


# --- Decision out -----------------------------------------------------------------------


@dataclass(frozen=True)
class WeekPeriod:
    """The patient was in `week` from `start` up to and including `end`."""

    week: int
    start: date
    end: date


@dataclass(frozen=True)
class ProgressionDecision:
    week: int
    state: str  # a ProgressionState value
    reasons: tuple[str, ...]
    week_started_on: date
    on_hold: bool = False  # held by the therapist (an override), not by the rules
    alert_therapist: bool = False  # held by the rules, and the rule says alert
    periods: tuple[WeekPeriod, ...] = field(default=())

    def week_on(self, day: date) -> int:
        """The week the patient was in on `day` (week 1 before the start)."""
        for period in self.periods:
            if period.start <= day <= period.end:
                return period.week
        return self.periods[-1].week if self.periods and day > self.periods[-1].end else 1


def _day(day: date) -> str:
    return date_format(day, "j F")


def baseline_from(baseline_pain: int | None, sessions: Iterable[SessionFacts]) -> int | None:
    """The patient's recorded baseline, or else the pain before their first session."""
    if baseline_pain is not None:
        return baseline_pain
    ordered = sorted(sessions, key=lambda s: s.date)[:BASELINE_FIRST_SESSIONS]
    if not ordered:
        return None
    return min(s.pain_before for s in ordered)


@dataclass(frozen=True)
class _Check:
    days_done: int
    days_needed: int
    failures: tuple[str, ...]

    @property
    def time_up(self) -> bool:
        return self.days_done >= self.days_needed

    @property
    def met(self) -> bool:
        return self.time_up and not self.failures


def _check(
    rule: WeekRule,
    *,
    week: int,
    week_start: date,
    day: date,
    known: list[SessionFacts],
    paused: Collection[date],
    baseline: int | None,
) -> _Check:
    """Evaluate `rule` (for leaving `week`) at the start of `day`, from the `known` sessions."""
    completed = [
        week_start + timedelta(days=i)
        for i in range((day - week_start).days)
        if week_start + timedelta(i) not in paused
    ]
    window_days = (
        completed[-rule.min_days_in_previous_week :] if rule.min_days_in_previous_week else completed
    )
    window_start = window_days[0] if window_days else day
    in_window = [s for s in known if window_start <= s.date <= day and s.date >= week_start]
    failures: list[str] = []
    time_up = len(completed) >= rule.min_days_in_previous_week

    counted = sum(1 for s in in_window if s.date < day)
    if time_up and counted < rule.min_sessions_in_previous_week:
        failures.append(
            _("Only %(count)s sessions logged in the last %(days)s days of week %(week)s; %(needed)s needed.")
            % {
                "count": counted,
                "days": len(window_days),
                "week": week,
                "needed": rule.min_sessions_in_previous_week,
            }
        )
    if rule.no_worse_in_last_sessions:
        recent = known[-rule.no_worse_in_last_sessions :]
        worse_days = [s.date for s in recent if s.worse]
        if worse_days:
            failures.append(
                _("Symptoms reported worse on %(days)s, within the last %(n)s sessions.")
                % {"days": ", ".join(_day(d) for d in worse_days), "n": rule.no_worse_in_last_sessions}
            )
    if rule.pain_rise_limit and baseline is not None and in_window:
        highest = max(s.pain for s in in_window)
        if highest - baseline >= rule.pain_rise_limit:
            failures.append(
                _("Pain rose from %(baseline)s to %(pain)s this week.")
                % {"baseline": baseline, "pain": highest}
            )
    if rule.pain_ceiling is not None and in_window:
        highest_after = max(s.pain_after for s in in_window)
        if highest_after > rule.pain_ceiling:
            failures.append(
                _("Pain after a session reached %(pain)s this week, above the limit of %(ceiling)s.")
                % {"pain": highest_after, "ceiling": rule.pain_ceiling}
            )
    return _Check(
        days_done=len(completed), days_needed=rule.min_days_in_previous_week, failures=tuple(failures)
    )


def decide(
    *,
    weeks: list[WeekRule],
    sessions: list[SessionFacts],
    overrides: list[OverrideFacts],
    start_date: date,
    today: date,
    baseline_pain: int | None,
    paused_days: Collection[date] = frozenset(),
) -> ProgressionDecision:
    """The plan's week and progression state on `today` (the patient's local date)."""
    rules = {w.number: w for w in weeks}
    first_week = min(rules, default=1)
    last_week = max(rules, default=1)
    paused = frozenset(paused_days)
    facts = sorted((s for s in sessions if start_date <= s.date <= today), key=lambda s: s.date)
    baseline = baseline_from(baseline_pain, facts)
    pending = sorted(
        (o for o in overrides if o.effective_on <= today),
        key=lambda o: (max(o.effective_on, start_date), o.sequence),
    )

    if today < start_date:
        return ProgressionDecision(
            week=first_week,
            state=State.IN_WEEK,
            reasons=(_("The plan starts on %(day)s.") % {"day": _day(start_date)},),
            week_started_on=start_date,
            periods=(),
        )

    week, week_start, hold_reason = first_week, start_date, None
    periods: list[WeekPeriod] = []

    def move_to(new_week: int, day: date) -> None:
        nonlocal week, week_start
        if new_week == week:
            return
        if day > week_start:
            periods.append(WeekPeriod(week=week, start=week_start, end=day - timedelta(days=1)))
        week, week_start = new_week, day

    day, i = start_date, 0
    while day <= today:
        while i < len(pending) and max(pending[i].effective_on, start_date) <= day:
            override = pending[i]
            i += 1
            if override.action == Action.ADVANCE:
                move_to(min(week + 1, last_week), day)
                hold_reason = None
            elif override.action == Action.BACK:
                move_to(max(week - 1, first_week), day)
            elif override.action == Action.HOLD:
                hold_reason = override.reason
            elif override.action == Action.RELEASE:
                hold_reason = None
        rule = rules.get(week + 1)
        if rule and hold_reason is None and day not in paused and not rule.requires_therapist_confirmation:
            known = [s for s in facts if s.date < day]
            if _check(
                rule, week=week, week_start=week_start, day=day, known=known, paused=paused, baseline=baseline
            ).met:
                move_to(week + 1, day)
        day += timedelta(days=1)
    periods.append(WeekPeriod(week=week, start=week_start, end=today))

    reasons: list[str] = []
    if today in paused:
        reasons.append(_("The plan is paused; paused days do not count."))

    def result(state: str, *more: str, alert: bool = False) -> ProgressionDecision:
        return ProgressionDecision(
            week=week,
            state=state,
            reasons=tuple(reasons + list(more)),
            week_started_on=week_start,
            on_hold=hold_reason is not None,
            alert_therapist=alert,
            periods=tuple(periods),
        )

    if hold_reason is not None:
        return result(
            State.HELD,
            _("Held in week %(week)s by the therapist: %(reason)s") % {"week": week, "reason": hold_reason},
        )
    rule = rules.get(week + 1)
    if rule is None:
        return result(State.FINISHED, _("Week %(week)s is the last week of the plan.") % {"week": week})

    check = _check(
        rule, week=week, week_start=week_start, day=today, known=facts, paused=paused, baseline=baseline
    )
    if check.met:
        if rule.requires_therapist_confirmation:
            return result(
                State.READY,
                _("Ready for week %(week)s: waiting for the therapist to confirm.") % {"week": week + 1},
            )
        return result(
            State.IN_WEEK, _("Moves on to week %(week)s on the next day that counts.") % {"week": week + 1}
        )
    if not check.time_up:
        return result(
            State.IN_WEEK,
            _("Day %(day)s of at least %(days)s in week %(week)s.")
            % {"day": check.days_done + 1, "days": check.days_needed, "week": week},
            *check.failures,
        )
    if rule.on_not_met == "alert":
        return result(State.HELD, *check.failures, alert=True)
    return result(State.IN_WEEK, *check.failures)


# --- Safety signals -----------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    kind: str  # an AlertKind value
    cause_key: str  # stable: the same cause always gives the same key
    message: str  # for the therapist
    session_date: date | None = None


def _runs(sessions: list[SessionFacts], predicate) -> list[list[SessionFacts]]:
    """Runs of consecutive sessions (in logged order) for which `predicate` holds."""
    runs, current = [], []
    for session in sessions:
        if predicate(session):
            current.append(session)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def safety_signals(
    *,
    sessions: list[SessionFacts],
    baseline_pain: int | None,
    start_date: date,
    today: date,
    paused_days: Collection[date] = frozenset(),
) -> list[Signal]:
    """Every safety signal in these sessions, each once, keyed by its cause.

    * "it hurt, I stopped": one per session;
    * "worse" two sessions running, pain after >= 7, pain up >= 2 from baseline: one per
      run of consecutive sessions, keyed by the day the run started (a new run after a
      good session is a new cause);
    * silence: no session on 3 whole unpaused days since the last one (or since the start).
    """
    facts = sorted((s for s in sessions if start_date <= s.date <= today), key=lambda s: s.date)
    baseline = baseline_from(baseline_pain, facts)
    signals: list[Signal] = []
    for s in facts:
        if s.hurt_exercises:
            signals.append(
                Signal(
                    kind=AlertKind.HURT,
                    cause_key=f"hurt:{s.date.isoformat()}",
                    message=_("Stopped %(exercises)s on %(day)s because it hurt.")
                    % {"exercises": ", ".join(s.hurt_exercises), "day": _day(s.date)},
                    session_date=s.date,
                )
            )
    for run in _runs(facts, lambda s: s.worse):
        if len(run) >= 2:
            signals.append(
                Signal(
                    kind=AlertKind.WORSE_TWICE,
                    cause_key=f"worse:{run[0].date.isoformat()}",
                    message=_("Symptoms reported worse two sessions running (%(first)s and %(second)s).")
                    % {"first": _day(run[0].date), "second": _day(run[1].date)},
                    session_date=run[1].date,
                )
            )
    for run in _runs(facts, lambda s: s.pain_after >= HIGH_PAIN):
        signals.append(
            Signal(
                kind=AlertKind.HIGH_PAIN,
                cause_key=f"high_pain:{run[0].date.isoformat()}",
                message=_("Pain %(pain)s out of 10 after the session on %(day)s.")
                % {"pain": run[0].pain_after, "day": _day(run[0].date)},
                session_date=run[0].date,
            )
        )
    if baseline is not None:
        for run in _runs(facts, lambda s: s.pain - baseline >= PAIN_RISE):
            signals.append(
                Signal(
                    kind=AlertKind.PAIN_RISE,
                    cause_key=f"pain_rise:{run[0].date.isoformat()}",
                    message=_("Pain rose from %(baseline)s to %(pain)s on %(day)s.")
                    % {"baseline": baseline, "pain": run[0].pain, "day": _day(run[0].date)},
                    session_date=run[0].date,
                )
            )
    paused = frozenset(paused_days)
    if today not in paused:
        last = facts[-1].date if facts else start_date - timedelta(days=1)
        gap = [
            last + timedelta(days=n)
            for n in range(1, (today - last).days)
            if last + timedelta(days=n) not in paused
        ]
        gap = [d for d in gap if d >= start_date]
        if len(gap) >= SILENCE_DAYS:
            signals.append(
                Signal(
                    kind=AlertKind.SILENCE,
                    cause_key=f"silence:{last.isoformat()}",
                    message=(
                        _("No session logged since %(day)s.") % {"day": _day(last)}
                        if facts
                        else _("No session logged since the plan started on %(day)s.")
                        % {"day": _day(start_date)}
                    ),
                    session_date=facts[-1].date if facts else None,
                )
            )
    return signals
