"""The progression engine on the handout's program: what a therapist would see for each story.

The first part feeds plain facts to the pure `decide()`; the rest goes through the services
(session logging, overrides, alerts) and the portal page.
"""

import dataclasses
import datetime as dt
import json
import zoneinfo
from pathlib import Path

import pytest

from patients.models import Plan
from patients.progression import OverrideFacts, SessionFacts, WeekRule, decide

START = dt.date(2025, 3, 3)  # a Monday
HANDOUT = json.loads(
    (Path(__file__).resolve().parent.parent / "exercises/programs/back-strengthening.json").read_text()
)
HANDOUT_WEEKS = [WeekRule(number=w["number"], **w["rule"]) for w in HANDOUT["weeks"]]

IN_WEEK, READY, HELD, FINISHED = (
    Plan.ProgressionState.IN_WEEK,
    Plan.ProgressionState.READY,
    Plan.ProgressionState.HELD,
    Plan.ProgressionState.FINISHED,
)


def d(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def s(offset, pain=3, after=None, change="same", hurt=()):
    return SessionFacts(
        date=d(offset),
        pain_before=pain,
        pain_after=pain if after is None else after,
        symptom_change=change,
        hurt_exercises=tuple(hurt),
    )


def days(first, last, **kwargs):
    return [s(n, **kwargs) for n in range(first, last + 1)]


def replace(logs, *changed):
    """The logs with some days replaced by the given sessions."""
    by_day = {x.date: x for x in logs}
    by_day.update({x.date: x for x in changed})
    return sorted(by_day.values(), key=lambda x: x.date)


def advance(offset, reason="Reviewed the week: doing well."):
    return ("advance", offset, reason)


def local_today(zone: str, at: dt.datetime) -> dt.date:
    return at.astimezone(zoneinfo.ZoneInfo(zone)).date()


def rules(**changes_by_week):
    """The handout's rules with some weeks adjusted for one patient, e.g. w2={...}."""
    return [dataclasses.replace(w, **changes_by_week.get(f"w{w.number}", {})) for w in HANDOUT_WEEKS]


LATE_EVENING_UTC = dt.datetime(2025, 3, 9, 23, 30, tzinfo=dt.UTC)  # START + 6 in London

READY_2 = "Ready for week 2: waiting for the therapist to confirm."
READY_3 = "Ready for week 3: waiting for the therapist to confirm."

# (story, logs, today offset (or a date), overrides, extra, expected week, state, reasons)
SCENARIOS = [
    ("first day, nothing logged yet", [], 0, [], {}, 1, IN_WEEK, ["Day 1 of at least 7 in week 1."]),
    ("steady start, day 5 of week 1", days(0, 3), 4, [], {}, 1, IN_WEEK, ["Day 5 of at least 7 in week 1."]),
    ("steady week 1: ready, waiting for the therapist", days(0, 6), 7, [], {}, 1, READY, [READY_2]),
    ("ready stays ready until the therapist confirms", days(0, 9), 10, [], {}, 1, READY, [READY_2]),
    (
        "therapist confirms on day 8: first day of week 2",
        days(0, 6),
        7,
        [advance(7)],
        {},
        2,
        IN_WEEK,
        ["Day 1 of at least 7 in week 2."],
    ),
    ("steady through week 2: ready for week 3", days(0, 13), 14, [advance(7)], {}, 2, READY, [READY_3]),
    (
        "confirmed into week 3: the last week",
        days(0, 15),
        16,
        [advance(7), advance(14)],
        {},
        3,
        FINISHED,
        ["Week 3 is the last week of the plan."],
    ),
    (
        "missed days: 4 of 7 logged, held",
        [s(0), s(2), s(4), s(6)],
        7,
        [],
        {},
        1,
        HELD,
        ["Only 4 sessions logged in the last 7 days of week 1; 5 needed."],
    ),
    (
        "missed days, then catches up over the last 7 days",
        [s(0), s(2), s(4), s(6), s(7), s(8)],
        9,
        [],
        {},
        1,
        READY,
        [READY_2],
    ),
    (
        "a gap of three days: held",
        [s(0), s(1), s(2), s(6)],
        7,
        [],
        {},
        1,
        HELD,
        ["Only 4 sessions logged in the last 7 days of week 1; 5 needed."],
    ),
    (
        "the same gap with two days backfilled: ready",
        [s(0), s(1), s(2), s(4), s(5), s(6)],
        7,
        [],
        {},
        1,
        READY,
        [READY_2],
    ),
    (
        "stopped logging for over a week",
        days(0, 2),
        12,
        [],
        {},
        1,
        HELD,
        ["Only 0 sessions logged in the last 7 days of week 1; 5 needed."],
    ),
    (
        "a bad week: worse reported near the end",
        replace(days(0, 6), s(5, change="worse")),
        7,
        [],
        {},
        1,
        HELD,
        ["Symptoms reported worse on 8 March, within the last 3 sessions."],
    ),
    (
        "worse, then better for three sessions: ready",
        replace(days(0, 9), s(5, change="worse"), s(6, change="better")),
        10,
        [],
        {},
        1,
        READY,
        [READY_2],
    ),
    (
        "pain spike 3 to 6 in week 1: held",
        replace(days(0, 6), s(4, pain=6)),
        7,
        [],
        {},
        1,
        HELD,
        ["Pain rose from 3 to 6 this week."],
    ),
    (
        "pain spike mid-week is shown before the week is over",
        replace(days(0, 2), s(2, pain=4, after=6)),
        3,
        [],
        {},
        1,
        IN_WEEK,
        ["Day 4 of at least 7 in week 1.", "Pain rose from 3 to 6 this week."],
    ),
    ("pain up by 1 only: ready", replace(days(0, 6), s(4, pain=4)), 7, [], {}, 1, READY, [READY_2]),
    (
        "pain logged today holds a plan that was ready this morning",
        replace(days(0, 7), s(7, pain=6, change="same")),
        7,
        [],
        {},
        1,
        HELD,
        ["Pain rose from 3 to 6 this week."],
    ),
    (
        "a pain spike more than a week ago no longer holds",
        replace(days(0, 13), s(2, pain=6)),
        14,
        [],
        {},
        1,
        READY,
        [READY_2],
    ),
    (
        "no baseline recorded: the first session's pain is the baseline",
        replace(days(0, 6, pain=2), s(5, pain=4)),
        7,
        [],
        {"baseline": None},
        1,
        HELD,
        ["Pain rose from 2 to 4 this week."],
    ),
    (
        '"it hurt" on one exercise: an alert, not a hold',
        replace(days(0, 6), s(3, hurt=["Pelvic tilt"])),
        7,
        [],
        {},
        1,
        READY,
        [READY_2],
    ),
    (
        "paused for five days: they do not count",
        days(0, 3),
        9,
        [],
        {"paused": range(4, 9)},
        1,
        IN_WEEK,
        ["Day 5 of at least 7 in week 1."],
    ),
    (
        "paused today",
        days(0, 3),
        6,
        [],
        {"paused": range(4, 7)},
        1,
        IN_WEEK,
        ["The plan is paused; paused days do not count.", "Day 5 of at least 7 in week 1."],
    ),
    (
        "resumed after a pause: week 1 completes later",
        days(0, 3) + days(7, 9),
        10,
        [],
        {"paused": range(4, 7)},
        1,
        READY,
        [READY_2],
    ),
    (
        "therapist holds a ready patient",
        days(0, 7),
        8,
        [("hold", 7, "Wants to see her in clinic first.")],
        {},
        1,
        HELD,
        ["Held in week 1 by the therapist: Wants to see her in clinic first."],
    ),
    (
        "hold released: the rules decide again",
        days(0, 8),
        9,
        [("hold", 7, "See in clinic first."), ("release", 9, "Seen in clinic: fine.")],
        {},
        1,
        READY,
        [READY_2],
    ),
    (
        "therapist moves the patient back a week",
        days(0, 11),
        12,
        [advance(7), ("back", 10, "Flare-up after the partial curls.")],
        {},
        1,
        IN_WEEK,
        ["Day 3 of at least 7 in week 1."],
    ),
    (
        "day boundary: 23:30 UTC is already the next morning in Tokyo",
        days(0, 6),
        local_today("Asia/Tokyo", LATE_EVENING_UTC),
        [],
        {},
        1,
        READY,
        [READY_2],
    ),
    (
        "day boundary: 23:30 UTC is still the 7th day in Los Angeles",
        days(0, 6),
        local_today("America/Los_Angeles", LATE_EVENING_UTC),
        [],
        {},
        1,
        IN_WEEK,
        ["Day 7 of at least 7 in week 1."],
    ),
    (
        "automatic rule (adjusted for this patient): moves on by itself",
        days(0, 7),
        8,
        [],
        {"rules": rules(w2={"requires_therapist_confirmation": False})},
        2,
        IN_WEEK,
        ["Day 2 of at least 7 in week 2."],
    ),
    (
        "automatic rule, but worse reported: held in week 1",
        replace(days(0, 7), s(6, change="worse")),
        8,
        [],
        {"rules": rules(w2={"requires_therapist_confirmation": False})},
        1,
        HELD,
        ["Symptoms reported worse on 9 March, within the last 3 sessions."],
    ),
    (
        "rule says stay (no alert): stays in week without a hold",
        [s(0), s(3), s(6)],
        7,
        [],
        {"rules": rules(w2={"on_not_met": "stay"})},
        1,
        IN_WEEK,
        ["Only 3 sessions logged in the last 7 days of week 1; 5 needed."],
    ),
    (
        "pain ceiling set by the therapist",
        replace(days(0, 6), s(3, pain=3, after=5)),
        7,
        [],
        {"rules": rules(w2={"pain_ceiling": 4, "pain_rise_limit": None})},
        1,
        HELD,
        ["Pain after a session reached 5 this week, above the limit of 4."],
    ),
    (
        "before the plan starts",
        [],
        -2,
        [],
        {},
        1,
        IN_WEEK,
        ["The plan starts on 3 March."],
    ),
]


@pytest.mark.parametrize(
    ("story", "logs", "today", "overrides", "extra", "week", "state", "reasons"),
    SCENARIOS,
    ids=[row[0] for row in SCENARIOS],
)
def test_progression_scenarios(story, logs, today, overrides, extra, week, state, reasons):
    today = today if isinstance(today, dt.date) else d(today)
    decision = decide(
        weeks=extra.get("rules", HANDOUT_WEEKS),
        sessions=logs,
        overrides=[
            OverrideFacts(action=action, effective_on=d(offset), reason=reason, sequence=n)
            for n, (action, offset, reason) in enumerate(overrides)
        ],
        start_date=START,
        today=today,
        baseline_pain=extra.get("baseline", 3),
        paused_days=frozenset(d(n) for n in extra.get("paused", ())),
    )
    assert (decision.week, decision.state, list(decision.reasons)) == (week, state, reasons)


def test_there_are_at_least_twenty_scenarios():
    assert len(SCENARIOS) >= 20


def test_same_inputs_same_answer_and_input_order_does_not_matter():
    logs = replace(days(0, 9), s(5, change="worse"))
    kwargs = {
        "weeks": HANDOUT_WEEKS,
        "overrides": [OverrideFacts(action="advance", effective_on=d(7), sequence=0)],
        "start_date": START,
        "today": d(10),
        "baseline_pain": 3,
    }
    first = decide(sessions=logs, **kwargs)
    assert decide(sessions=list(reversed(logs)), **kwargs) == first


def test_the_decision_says_which_week_each_day_belonged_to():
    decision = decide(
        weeks=HANDOUT_WEEKS,
        sessions=days(0, 15),
        overrides=[
            OverrideFacts(action="advance", effective_on=d(7), sequence=0),
            OverrideFacts(action="advance", effective_on=d(14), sequence=1),
        ],
        start_date=START,
        today=d(15),
        baseline_pain=3,
    )
    assert [decision.week_on(d(n)) for n in (0, 6, 7, 13, 14, 15)] == [1, 1, 2, 2, 3, 3]
