"""The counting rules of remote therapeutic monitoring, as pure functions.

Nothing here reads the database or the clock: the codes come in as `Rules` (built from the
`BillingCode` rows), the logged days, minutes and "today" as arguments, so each rule is tested
by hand-computed examples (tests/billing/test_rtm_rules.py).

Definitions (shown on the report page, billing/templates/billing/_definitions.html):

- **Episode of monitoring**: from the start date of a patient's approved plan that is not a new
  version of an earlier one, through its later versions, to the day the last one was completed
  (or still running). A new plan after a completed one starts a new episode.
- **Monitoring periods**: consecutive 30-day periods from the episode's start (day 1 is the
  plan's start date). Pauses do not move them: a paused day is a day without data.
- **Day with logged data**: a day, in the patient's own time zone, on which they logged a
  session. A period earns at most one days code: the one whose range holds its day count
  (2–15 days: 98985; 16–30 days: 98977). It is counted in the month the period ends in.
- **Set-up** (98975): once per episode, on the day the episode reaches 2 days with data.
- **Treatment management**: the minutes recorded in a calendar month. With a real-time
  interaction in the month, 10–19 minutes earn 98979, 20 minutes or more earn 98980, and each
  further full 20 minutes earn one 98981. Without one, no management code.
- **CQ**: a management code is marked CQ when an assistant did any of the month's minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

SETUP, DAYS, MANAGEMENT, ADDON = "setup", "days", "management", "addon"
DEFAULT_PERIOD_DAYS = 30


@dataclass(frozen=True)
class CodeRule:
    code: str
    kind: str
    min_days: int | None = None
    max_days: int | None = None
    period_days: int | None = None
    minutes: int | None = None
    needs_interaction: bool = False


@dataclass(frozen=True)
class Rules:
    codes: tuple[CodeRule, ...]

    def of_kind(self, kind: str) -> list[CodeRule]:
        return [code for code in self.codes if code.kind == kind]

    @property
    def period_days(self) -> int:
        lengths = {code.period_days for code in self.of_kind(DAYS) if code.period_days}
        return min(lengths) if lengths else DEFAULT_PERIOD_DAYS


@dataclass(frozen=True)
class Earned:
    """A code earned, how many times, and whether it carries the CQ modifier."""

    code: str
    units: int = 1
    cq: bool = False

    def __str__(self) -> str:
        text = self.code + ("-CQ" if self.cq else "")
        return f"{text} ×{self.units}" if self.units > 1 else text


@dataclass(frozen=True)
class Episode:
    start: date
    end: date | None = None  # the last day (a completed plan), None while it runs


@dataclass(frozen=True)
class Period:
    number: int  # 1 for the episode's first 30 days
    start: date
    end: date  # last day, inclusive
    days: int  # days with logged data in it
    code: str | None  # the days code its count reaches
    complete: bool  # the period is over (its last day is before today)


@dataclass
class MonthRtm:
    """One patient's month: the periods overlapping it, the minutes, and the codes earned."""

    periods: list[Period] = field(default_factory=list)
    setup_on: date | None = None  # the day set-up was earned, when it falls in the month
    minutes: int = 0
    assistant_minutes: int = 0
    interactive: bool = False
    codes: list[Earned] = field(default_factory=list)

    @property
    def cq(self) -> bool:
        return any(earned.cq for earned in self.codes)


def episodes(plans: Iterable[tuple[date, bool, date | None]]) -> list[Episode]:
    """Episodes from a patient's approved plans, each (start date, is a first version, the day it
    was completed or None), in any order: a first version starts an episode, later versions
    continue it, and the episode ends with the completion of its last plan."""
    out: list[Episode] = []
    for start, first_version, completed_on in sorted(plans, key=lambda plan: plan[0]):
        if first_version or not out:
            out.append(Episode(start=start, end=completed_on))
        else:
            out[-1] = Episode(start=out[-1].start, end=completed_on)
    return out


def periods_overlapping(
    episode: Episode, first: date, last: date, *, period_days: int, today: date
) -> list[tuple[int, date, date]]:
    """(number, start, last day) of the episode's periods that meet [first, last], none starting
    after the episode's end or after today."""
    stop = min(last, today, episode.end or last)
    if stop < episode.start or (episode.end and episode.end < first):
        return []
    number = max(0, (first - episode.start).days // period_days)
    out = []
    while True:
        start = episode.start + timedelta(days=number * period_days)
        if start > stop:
            return out
        out.append((number + 1, start, start + timedelta(days=period_days - 1)))
        number += 1


def days_code(days: int, rules: Rules) -> str | None:
    """The one days code a period with `days` days of data earns (the highest range it reaches)."""
    fitting = [c for c in rules.of_kind(DAYS) if c.min_days <= days <= (c.max_days or days)]
    return max(fitting, key=lambda c: c.min_days).code if fitting else None


def setup_day(logged: Iterable[date], episode: Episode, rules: Rules) -> tuple[str, date] | None:
    """(code, day) on which the episode reached the set-up code's days with data, if it has."""
    setups = rules.of_kind(SETUP)
    if not setups:
        return None
    setup = setups[0]
    days = sorted(d for d in set(logged) if d >= episode.start and (episode.end is None or d <= episode.end))
    if len(days) < setup.min_days:
        return None
    return setup.code, days[setup.min_days - 1]


def management_codes(minutes: int, *, interactive: bool, assistant: bool, rules: Rules) -> list[Earned]:
    """The management codes a month's `minutes` earn: the highest first-minutes code they reach,
    and, from the highest one, one add-on per further full block. None without an interaction
    when the codes need one."""
    firsts = sorted(rules.of_kind(MANAGEMENT), key=lambda c: c.minutes)
    reached = [c for c in firsts if minutes >= c.minutes and (interactive or not c.needs_interaction)]
    if not reached:
        return []
    base = reached[-1]
    earned = [Earned(base.code, cq=assistant)]
    if base is firsts[-1]:
        for addon in rules.of_kind(ADDON):
            if addon.needs_interaction and not interactive:
                continue
            units = (minutes - base.minutes) // addon.minutes
            if units > 0:
                earned.append(Earned(addon.code, units=units, cq=assistant))
    return earned


def month_rtm(
    *,
    month: date,
    today: date,
    episodes: list[Episode],
    logged: set[date],
    minutes: int,
    assistant_minutes: int,
    interactive: bool,
    rules: Rules,
) -> MonthRtm:
    """One patient's month (`month` is its first day): the periods meeting it, their day counts
    and codes, the set-up day if it falls in the month, and the codes earned in the month."""
    last = month_last_day(month)
    result = MonthRtm(minutes=minutes, assistant_minutes=assistant_minutes, interactive=interactive)
    period_days = rules.period_days
    for episode in episodes:
        for number, start, end in periods_overlapping(
            episode, month, last, period_days=period_days, today=today
        ):
            upto = min(end, episode.end or end)
            days = sum(1 for d in logged if start <= d <= upto)
            code = days_code(days, rules)
            complete = upto < today
            result.periods.append(Period(number, start, end, days, code, complete))
            if code and complete and month <= upto <= last:
                result.codes.append(Earned(code))
        setup = setup_day(logged, episode, rules)
        if setup and month <= setup[1] <= last:
            result.setup_on = setup[1]
            result.codes.insert(0, Earned(setup[0]))
    result.codes += management_codes(
        minutes, interactive=interactive, assistant=assistant_minutes > 0, rules=rules
    )
    return result


def month_last_day(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
