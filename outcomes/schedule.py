"""When a plan's questionnaires are due: pure, with "today" in the patient's own time zone.

Baseline on the plan's start date; a follow-up every N weeks of the plan's days that were not
paused (a pause pushes the next follow-ups back by its length); one at completion, on the day the
plan was completed. A questionnaire is answerable from its due date until the next due date of the
same questionnaire (then the older one is missed); unanswered for OVERDUE_AFTER_DAYS, it is overdue
and shows on the therapist's triage.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

OVERDUE_AFTER_DAYS = 3


@dataclass(frozen=True)
class Due:
    code: str
    due_date: date
    kind: str  # "baseline", "follow_up" or "completion"

    @property
    def is_baseline(self) -> bool:
        return self.kind == "baseline"


def due_dates(
    *,
    code: str,
    start: date,
    at_baseline: bool,
    every_weeks: int,
    at_completion: bool,
    until: date,
    completed_on: date | None = None,
    paused_days: Collection[date] = frozenset(),
) -> list[Due]:
    """Every due date of one questionnaire from the plan's start up to `until` (inclusive)."""
    end = min(until, completed_on) if completed_on else until
    dues: dict[date, Due] = {}
    if at_baseline and start <= end:
        dues[start] = Due(code, start, "baseline")
    if every_weeks:
        interval, active, number, day = every_weeks * 7, 0, 1, start
        paused = frozenset(paused_days)
        while day <= end:
            if day not in paused:
                # Due on the first unpaused day after `interval` unpaused days of the plan.
                if active >= interval * number:
                    dues.setdefault(day, Due(code, day, "follow_up"))
                    number += 1
                active += 1
            day += timedelta(days=1)
    if at_completion and completed_on and completed_on <= until:
        dues[completed_on] = Due(code, completed_on, "completion")
    return sorted(dues.values(), key=lambda due: due.due_date)


def due_now(dues: list[Due], *, answered: Collection[date], today: date) -> Due | None:
    """The one due date open now: the latest one reached, if it is not answered yet."""
    reached = [due for due in dues if due.due_date <= today]
    if not reached or reached[-1].due_date in answered:
        return None
    return reached[-1]


def is_overdue(due: Due, *, today: date) -> bool:
    return (today - due.due_date).days >= OVERDUE_AFTER_DAYS
