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


# --- Through the services: logging, alerts, overrides ---------------------------------------

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import reverse  # noqa: E402

from audit.models import AuditEvent  # noqa: E402
from patients.models import Alert, ProgressionOverride  # noqa: E402
from patients.progression_selectors import patient_safety_messages  # noqa: E402
from patients.progression_services import plan_progression_refresh, progression_override  # noqa: E402
from patients.selectors import plan_exercises_up_to_week  # noqa: E402
from patients.services import (  # noqa: E402
    ExerciseEntry,
    alert_acknowledge,
    plan_approve,
    plan_create_from_template,
    plan_pause,
    plan_revise,
    session_log,
)

from .factories import PASSWORD, PatientFactory, TherapistFactory  # noqa: E402


@pytest.fixture
def today(patient):
    return patient.local_date()


@pytest.fixture
def plan_started(patient, handout_program, today):
    """An approved handout plan that started `days_ago` days before today."""

    def make(days_ago: int) -> Plan:
        plan = plan_create_from_template(
            confirm_start_date=True,
            patient=patient,
            template=handout_program,
            start_date=today - dt.timedelta(days=days_ago),
            by=patient.therapist,
        )
        return plan_approve(plan=plan, by=patient.therapist)

    return make


def log(plan, day, *, pain=3, after=None, change="same", hurt=(), today=None):
    plan.refresh_from_db()
    entries = [
        ExerciseEntry(
            plan_exercise_id=item.pk,
            done=item.exercise.name not in hurt,
            reps=item.target_reps,
            hold_seconds=item.target_hold_seconds,
            hurt=item.exercise.name in hurt,
        )
        for item in plan_exercises_up_to_week(plan=plan, week=plan.current_week)
    ]
    session, _ = session_log(
        patient=plan.patient,
        day=day,
        today=today or day,
        pain_before=pain,
        pain_after=pain if after is None else after,
        symptom_change=change,
        exercises=entries,
    )
    return session


def test_an_it_hurt_session_raises_exactly_one_alert(plan_started, today):
    plan = plan_started(2)
    session = log(plan, today, hurt=["Pelvic tilt"])
    log(plan, today, hurt=["Pelvic tilt"])  # the same day logged again (a double submit)
    plan_progression_refresh(plan=plan, today=today)
    plan_progression_refresh(plan=plan, today=today)
    call_command("evaluate_plans", stdout=open("/dev/null", "w"))  # noqa: SIM115

    alerts = Alert.objects.filter(plan=plan, kind=Alert.Kind.HURT)
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.session == session
    assert "Pelvic tilt" in alert.message
    [message] = patient_safety_messages(patient=plan.patient)
    assert "You stopped Pelvic tilt because it hurt" in message.text
    assert "contact your therapist" in message.text.lower()


def test_the_therapist_sees_the_hurt_alert_first_with_its_session(client, plan_started, today):
    plan = plan_started(5)
    log(plan, today - dt.timedelta(days=3), change="worse", today=today)
    log(plan, today - dt.timedelta(days=2), change="worse", today=today)
    log(plan, today - dt.timedelta(days=1), change="same", today=today)
    hurt_alert_session = log(plan, today, hurt=["Double knee-to-chest stretch"])
    worse = Alert.objects.get(plan=plan, kind=Alert.Kind.WORSE_TWICE)
    alert_acknowledge(alert=worse, by=plan.patient.therapist, comment="Phoned: a busy week at work.")

    client.login(username=plan.patient.therapist.username, password=PASSWORD)
    page = client.get(reverse("portal:progression", args=[plan.patient.pk])).content.decode()
    hurt_at = page.index("Stopped Double knee-to-chest stretch")
    assert hurt_at < page.index("Symptoms reported worse two sessions running")
    assert f"Session of {hurt_alert_session.date:%A} {hurt_alert_session.date.day}" in page
    assert "Phoned: a busy week at work." in page
    # an acknowledged alert is no longer a message for the patient
    assert [m.kind for m in patient_safety_messages(patient=plan.patient)] == [Alert.Kind.HURT]


def test_worse_twice_high_pain_and_pain_rise_each_alert_once(plan_started, today):
    plan = plan_started(3)  # baseline pain 4 (the factory)
    for n in (3, 2, 1, 0):
        log(plan, today - dt.timedelta(days=n), pain=6, after=7, change="worse", today=today)
    kinds = sorted(Alert.objects.filter(plan=plan).values_list("kind", flat=True))
    assert kinds == sorted([Alert.Kind.WORSE_TWICE, Alert.Kind.HIGH_PAIN, Alert.Kind.PAIN_RISE])


def test_logging_a_week_makes_the_plan_ready_and_the_therapist_moves_it_on(plan_started, today):
    plan = plan_started(7)
    for n in range(7, 0, -1):
        log(plan, today - dt.timedelta(days=n))
    plan = plan_progression_refresh(plan=plan, today=today)
    assert (plan.current_week, plan.progression_state) == (1, Plan.ProgressionState.READY)
    assert plan.progression_reasons == [READY_2]

    override = progression_override(
        plan=plan, by=plan.patient.therapist, action="advance", reason="Seen in clinic, doing well."
    )
    plan.refresh_from_db()
    assert (plan.current_week, plan.progression_state) == (2, Plan.ProgressionState.IN_WEEK)
    assert (override.from_week, override.to_week, override.effective_on) == (1, 2, today)
    event = AuditEvent.objects.get(action="progression.advance")
    assert event.actor == plan.patient.therapist and event.data["reason"] == "Seen in clinic, doing well."
    # today's session is a week-2 session, with week 2's exercises
    session = log(plan, today)
    assert session.week_number == 2
    assert session.exercises.count() == 6


def test_moving_back_a_week_renumbers_the_sessions_since(plan_started, today):
    plan = plan_started(9)
    for n in range(9, 1, -1):
        log(plan, today - dt.timedelta(days=n))
    progression_override(
        plan=plan,
        by=plan.patient.therapist,
        action="advance",
        reason="Good week.",
        effective_on=today - dt.timedelta(days=2),
    )
    log(plan, today - dt.timedelta(days=1), today=today)
    progression_override(plan=plan, by=plan.patient.therapist, action="back", reason="Flare-up after curls.")
    plan.refresh_from_db()
    assert plan.current_week == 1
    weeks = dict(plan.sessions.values_list("date", "week_number"))
    assert weeks[today - dt.timedelta(days=2)] == 2
    assert weeks[today - dt.timedelta(days=3)] == 1


@pytest.mark.parametrize(
    ("who", "action", "reason", "effective_in", "error"),
    [
        ("other therapist, same clinic", "hold", "Because.", 0, "own therapist"),
        ("manager", "hold", "Because.", 0, "own therapist"),
        ("the patient", "advance", "I feel great.", 0, "own therapist"),
        ("own therapist", "hold", "   ", 0, "Say why"),
        ("own therapist", "hold", "Tomorrow.", 1, "today or an earlier day"),
        ("own therapist", "back", "Too early.", 0, "no week before it"),
        ("own therapist", "release", "Nothing held.", 0, "no hold"),
        ("own therapist", "jump", "Two weeks at once.", 0, "Choose move on"),
    ],
)
def test_override_refusals_store_nothing(
    plan_started, manager, today, who, action, reason, effective_in, error
):
    plan = plan_started(3)
    by = {
        "other therapist, same clinic": TherapistFactory(clinic=plan.patient.clinic),
        "manager": manager,
        "the patient": plan.patient.user,
        "own therapist": plan.patient.therapist,
    }[who]
    with pytest.raises(ValidationError) as caught:
        progression_override(
            plan=plan,
            by=by,
            action=action,
            reason=reason,
            effective_on=today + dt.timedelta(days=effective_in),
        )
    assert error in " ".join(caught.value.messages)
    assert not ProgressionOverride.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="progression.").exists()


def test_hold_and_release(plan_started, today):
    plan = plan_started(8)
    for n in range(8, 0, -1):
        log(plan, today - dt.timedelta(days=n))
    therapist = plan.patient.therapist
    progression_override(plan=plan, by=therapist, action="hold", reason="Wants an X-ray first.")
    plan.refresh_from_db()
    assert plan.progression_state == Plan.ProgressionState.HELD
    assert plan.progression_reasons == ["Held in week 1 by the therapist: Wants an X-ray first."]
    with pytest.raises(ValidationError):
        progression_override(plan=plan, by=therapist, action="hold", reason="Again.")
    progression_override(plan=plan, by=therapist, action="release", reason="X-ray clear.")
    plan.refresh_from_db()
    assert plan.progression_state == Plan.ProgressionState.READY


def test_a_revised_plan_keeps_its_week_and_does_not_repeat_alerts(plan_started, today):
    plan = plan_started(8)
    for n in range(8, 1, -1):
        log(plan, today - dt.timedelta(days=n), hurt=["Pelvic tilt"] if n == 5 else ())
    therapist = plan.patient.therapist
    progression_override(plan=plan, by=therapist, action="advance", reason="Good week.")
    draft = plan_revise(plan=plan, by=therapist)
    new = plan_approve(plan=draft, by=therapist)
    new = plan_progression_refresh(plan=new, today=today)
    assert new.current_week == 2
    assert Alert.objects.filter(kind=Alert.Kind.HURT).count() == 1


def test_evaluate_plans_raises_silence_once_and_not_for_a_paused_plan(plan_started, today, capsys):
    plan = plan_started(6)
    log(plan, today - dt.timedelta(days=5), today=today - dt.timedelta(days=5))
    other = PatientFactory(therapist=plan.patient.therapist)
    paused = plan_create_from_template(
        confirm_start_date=True,
        patient=other,
        template=plan.template,
        start_date=today - dt.timedelta(days=6),
        by=other.therapist,
    )
    paused = plan_approve(plan=paused, by=other.therapist)
    plan_pause(plan=paused, by=other.therapist, on=today - dt.timedelta(days=4), reason="Holiday.")

    call_command("evaluate_plans")
    out = capsys.readouterr().out
    assert "Evaluated 2 plans; 1 new alerts." in out
    silence = Alert.objects.get(kind=Alert.Kind.SILENCE)
    assert silence.plan == plan
    assert silence.message.startswith("No session logged since")

    call_command("evaluate_plans")
    assert "Evaluated 2 plans; 0 new alerts." in capsys.readouterr().out
    assert Alert.objects.filter(kind=Alert.Kind.SILENCE).count() == 1


# --- The portal page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "get_status", "post_status"),
    [
        ("own therapist", 200, 302),
        ("other therapist", 404, 404),
        ("manager", 403, 403),
        ("the patient", 403, 403),
    ],
)
def test_progression_page_access(client, plan_started, manager, who, get_status, post_status):
    plan = plan_started(2)
    user = {
        "own therapist": plan.patient.therapist,
        "other therapist": TherapistFactory(clinic=plan.patient.clinic),
        "manager": manager,
        "the patient": plan.patient.user,
    }[who]
    client.login(username=user.username, password=PASSWORD)
    url = reverse("portal:progression", args=[plan.patient.pk])
    assert url == f"/portal/patients/{plan.patient.pk}/progression/"
    assert client.get(url).status_code == get_status
    response = client.post(url, {"action": "advance", "reason": "Early move on."})
    assert response.status_code == post_status
    assert ProgressionOverride.objects.exists() == (post_status == 302)


def test_therapist_moves_a_patient_on_from_the_page(client, plan_started, today):
    plan = plan_started(7)
    for n in range(7, 0, -1):
        log(plan, today - dt.timedelta(days=n))
    client.login(username=plan.patient.therapist.username, password=PASSWORD)
    url = reverse("portal:progression", args=[plan.patient.pk])
    page = client.get(url).content.decode()
    assert "Ready to move on" in page and READY_2 in page

    response = client.post(url, {"action": "advance", "reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.content.decode() or "This field is required" in response.content.decode()
    assert not ProgressionOverride.objects.exists()

    response = client.post(url, {"action": "advance", "reason": "Reviewed: steady week."}, follow=True)
    page = response.content.decode()
    assert "Week 2 of 3" in page
    assert "Reviewed: steady week." in page  # in the history, with who
    assert plan.patient.therapist.get_full_name() in page


# --- The demo clinic --------------------------------------------------------------------------


def test_the_demo_states_are_what_the_engine_decides_from_the_logs(db):
    from patients.progression_services import plan_progression_decide

    call_command("load_demo", verbosity=0)
    plans = Plan.objects.filter(status=Plan.Status.APPROVED).select_related("patient__user")
    for plan in plans:
        decision = plan_progression_decide(plan=plan)
        stored = (plan.current_week, plan.progression_state, plan.progression_reasons)
        assert stored == (decision.week, decision.state, list(decision.reasons)), plan.patient.user.username
        assert not plan.sessions.exclude(week_number__in=[1, 2, 3]).exists()

    sam = plans.get(patient__user__username="patient")
    assert (sam.current_week, sam.progression_state) == (2, Plan.ProgressionState.IN_WEEK)
    assert sam.overrides.get().created_by.username == "therapist"

    carla = plans.get(patient__user__username="carla.mendes")
    assert carla.progression_state == Plan.ProgressionState.HELD
    kinds = set(carla.alerts.values_list("kind", flat=True))
    assert {Alert.Kind.WORSE_TWICE, Alert.Kind.PAIN_RISE} <= kinds
    # Held back is a progression notice, open while she is held, not one of her safety alerts.
    notice = carla.notices.get(closed_at__isnull=True)
    assert notice.message.startswith(f"Held back from week {carla.current_week + 1}:")
    assert "held" not in kinds
    assert patient_safety_messages(patient=carla.patient)
