"""Loading questionnaires, a plan's schedule, answering (once per due date) and the alert on worse."""

import datetime as dt
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from outcomes.itemfile import ItemFileError
from outcomes.models import Instrument, PlanOutcome, Response
from outcomes.selectors import due_for, trends_for
from outcomes.services import SHIPPED_DIR, instrument_load, plan_outcome_set, response_submit
from patients.models import Alert
from patients.services import plan_approve, plan_create_from_template, plan_pause, plan_resume, plan_revise

from ..factories import PatientFactory, TherapistFactory


def odi_file(**changes) -> dict:
    """An item file shaped like the Oswestry 2.1a (placeholder wording: the real text is licensed)."""
    data = {
        "format": 1,
        "code": "odi",
        "version_label": "2.1a",
        "name": "Oswestry Disability Index",
        "language": "en",
        "instructions": "Tick the one statement in each section that best describes you today.",
        "copyright": "© Mapi Research Trust. Used under licence.",
        "items": [
            {"text": f"Section {n}", "options": [f"Statement {n}.{k}" for k in range(6)]}
            for n in range(1, 11)
        ],
    }
    data.update(changes)
    return data


def _plan(patient, template, start):
    plan = plan_create_from_template(
        patient=patient, template=template, start_date=start, by=patient.therapist, confirm_start_date=True
    )
    return plan_approve(plan=plan, by=patient.therapist)


# --- Loading ------------------------------------------------------------------------------


def test_an_odi_item_file_loads_and_scores_a_hand_checked_response(db, tmp_path):
    path = tmp_path / "odi.json"
    path.write_text(json.dumps(odi_file()), encoding="utf-8")
    call_command("load_instruments", str(path), verbosity=0)
    odi = Instrument.objects.current().get(code="odi")
    assert odi.version_label == "2.1a" and len(odi.items) == 10
    # 3+2+2+1+0+1+2+2+1+1 = 15 of 50 → 30 %
    assert odi.rule.score([3, 2, 2, 1, 0, 1, 2, 2, 1, 1]).value == Decimal("30.0")


def test_a_malformed_item_file_is_refused_with_every_problem_and_nothing_stored(db, tmp_path):
    items = odi_file()["items"][:9]
    items[2] = {"text": "Section 3", "options": ["only", "three", "options"]}
    path = tmp_path / "odi.json"
    path.write_text(json.dumps(odi_file(items=items, copyright="")), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_instruments", str(path), verbosity=0)
    assert "10 item(s); the file has 9" in str(error.value)
    assert "“copyright” is missing" in str(error.value)
    assert not Instrument.objects.exists()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "JSON object"),
        ({**odi_file(), "code": "sf36"}, "scoring rule"),
        ({**odi_file(), "format": 2}, "“format” must be 1"),
        ({**odi_file(), "extra": 1}, "Unknown field"),
    ],
)
def test_item_file_errors(db, data, problem):
    with pytest.raises(ItemFileError, match=problem):
        instrument_load(data=data)


def test_startback_keeps_keeles_copyright_statement(db):
    data = {
        "format": 1,
        "code": "startback",
        "version_label": "9-item",
        "name": "Keele STarT Back",
        "language": "en",
        "instructions": "Thinking about the last 2 weeks, tick your response to the following questions.",
        "copyright": "© Keele University 01/08/07",
        "items": [{"text": f"Item {n}", "options": ["Disagree", "Agree"]} for n in range(1, 9)]
        + [{"text": "Item 9", "options": ["Not at all", "Slightly", "Moderately", "Very much", "Extremely"]}],
    }
    with pytest.raises(ItemFileError, match="copyright"):
        instrument_load(data={**data, "copyright": " "})
    instrument, _what = instrument_load(data=data)
    assert instrument.copyright == "© Keele University 01/08/07"


def test_changed_text_under_existing_answers_makes_a_new_version(instruments, active_plan):
    patient = active_plan.patient
    response_submit(patient=patient, code="nprs", answers=[5], today=active_plan.start_date)
    old = instruments["nprs"]
    data = json.loads((SHIPPED_DIR / "nprs.json").read_text(encoding="utf-8"))
    data["instructions"] = "Pick one number."
    new, what = instrument_load(data=data)
    assert what == "new version" and new.version == old.version + 1
    old.refresh_from_db()
    assert not old.is_current and old.instructions != "Pick one number."
    assert Response.objects.get().instrument == old  # the answer keeps the wording it was given on
    old.instructions = "edited"
    with pytest.raises(ValidationError):
        old.save()


# --- Schedules ------------------------------------------------------------------------------


def test_a_plan_gets_the_programs_default_questionnaires_and_keeps_them_in_a_new_version(
    instruments, patient, handout_program
):
    plan = _plan(patient, handout_program, patient.local_date())
    assert sorted(
        plan.outcomes.values_list("instrument_code", "at_baseline", "every_weeks", "at_completion")
    ) == [
        ("nprs", True, 2, True),
        ("psfs", True, 2, True),
    ]
    draft = plan_revise(plan=plan, by=patient.therapist)
    assert draft.outcomes.count() == 2


def test_the_schedule_changes_only_in_a_draft_and_by_the_patients_therapist(
    instruments, patient, handout_program
):
    draft = plan_create_from_template(
        patient=patient, template=handout_program, start_date=patient.local_date(), by=patient.therapist
    )
    plan_outcome_set(plan=draft, by=patient.therapist, instrument_code="nprs", enabled=True, every_weeks=4)
    plan_outcome_set(plan=draft, by=patient.therapist, instrument_code="psfs", enabled=False)
    assert list(draft.outcomes.values_list("instrument_code", "every_weeks")) == [("nprs", 4)]
    assert AuditEvent.objects.filter(action="plan.outcomes_changed").count() == 2
    with pytest.raises(ValidationError, match="not been loaded"):
        plan_outcome_set(plan=draft, by=patient.therapist, instrument_code="odi", enabled=True)
    with pytest.raises(ValidationError):
        plan_outcome_set(
            plan=draft, by=patient.therapist, instrument_code="nprs", enabled=True, every_weeks=13
        )
    with pytest.raises(ValidationError):
        plan_outcome_set(
            plan=draft, by=TherapistFactory(clinic=patient.clinic), instrument_code="nprs", enabled=False
        )
    approved = plan_approve(plan=draft, by=patient.therapist)
    with pytest.raises(ValidationError, match="draft"):
        plan_outcome_set(plan=approved, by=patient.therapist, instrument_code="psfs", enabled=True)
    assert PlanOutcome.objects.filter(plan=approved).count() == 1


# --- Answering ------------------------------------------------------------------------------

ACTIVITIES = ["putting on socks", "sitting for an hour", "lifting a child"]


def _psfs(*ratings):
    return [{"name": name, "rating": rating} for name, rating in zip(ACTIVITIES, ratings, strict=True)]


def test_baseline_and_week_2_show_the_change_and_whether_it_is_meaningful(
    instruments, patient, handout_program
):
    start = patient.local_date() - dt.timedelta(days=14)
    plan = _plan(patient, handout_program, start)
    assert [item.code for item in due_for(patient=patient, today=start)] == ["nprs", "psfs"]
    response_submit(patient=patient, code="nprs", answers=[6], today=start)
    response_submit(patient=patient, code="psfs", answers=_psfs(3, 4, 5), today=start)
    assert due_for(patient=patient, today=start) == []
    week2 = start + dt.timedelta(days=14)
    assert [item.code for item in due_for(patient=patient, today=week2)] == ["nprs", "psfs"]
    nprs = response_submit(patient=patient, code="nprs", answers=[3], today=week2).response
    psfs = response_submit(patient=patient, code="psfs", answers=_psfs(4, 5, 6), today=week2).response
    assert (nprs.score.change, nprs.score.meaningful) == (-3, "better")
    assert (psfs.score.change, psfs.score.meaningful) == (1, "")
    trends = {trend.code: trend for trend in trends_for(patient=patient, plan=plan)}
    assert trends["nprs"].baseline.score.value == 6 and trends["nprs"].latest.score.value == 3
    assert trends["nprs"].change.meaningful == "better"
    assert not Alert.objects.exists()


def test_answering_again_edits_the_same_response(instruments, active_plan):
    patient, start = active_plan.patient, active_plan.start_date
    first = response_submit(patient=patient, code="nprs", answers=[5], today=start)
    again = response_submit(patient=patient, code="nprs", answers=[4], today=start + dt.timedelta(days=1))
    assert first.created and not again.created
    assert Response.objects.count() == 1 and Response.objects.get().score.value == 4


def test_psfs_follow_up_must_rate_the_baseline_activities(instruments, active_plan):
    patient, start = active_plan.patient, active_plan.start_date
    response_submit(patient=patient, code="psfs", answers=_psfs(3, 4, 5), today=start)
    with pytest.raises(ValidationError, match="same activities"):
        response_submit(
            patient=patient,
            code="psfs",
            answers=[{"name": "running", "rating": 5}] * 3,
            today=start + dt.timedelta(days=14),
        )


def test_meaningfully_worse_raises_one_safety_alert(instruments, active_plan):
    patient, start = active_plan.patient, active_plan.start_date
    response_submit(patient=patient, code="nprs", answers=[3], today=start)
    worse = response_submit(patient=patient, code="nprs", answers=[6], today=start + dt.timedelta(days=14))
    assert worse.alert is not None and worse.alert.kind == Alert.Kind.OUTCOME_WORSE
    assert "3 → 6" in worse.alert.message
    response_submit(patient=patient, code="nprs", answers=[7], today=start + dt.timedelta(days=28))
    assert Alert.objects.filter(kind=Alert.Kind.OUTCOME_WORSE).count() == 1


@pytest.mark.parametrize(
    ("answers", "message"),
    [([11], "choose one of its 11 answers"), ([], "1 questions"), ("7", "1 questions")],
)
def test_bad_answers_are_refused_and_change_nothing(instruments, active_plan, answers, message):
    with pytest.raises(ValidationError, match=message):
        response_submit(
            patient=active_plan.patient, code="nprs", answers=answers, today=active_plan.start_date
        )
    assert not Response.objects.exists()


def test_not_scheduled_or_not_due_is_refused(instruments, patient, handout_program):
    with pytest.raises(ValidationError, match="not part of your plan"):
        response_submit(patient=patient, code="nprs", answers=[3])
    plan = _plan(patient, handout_program, patient.local_date() + dt.timedelta(days=2))
    with pytest.raises(ValidationError, match="not due"):
        response_submit(
            patient=patient, code="nprs", answers=[3], today=plan.start_date - dt.timedelta(days=1)
        )


def test_a_pause_moves_the_follow_up_later(instruments, patient, handout_program):
    start = patient.local_date() - dt.timedelta(days=20)
    plan = _plan(patient, handout_program, start)
    response_submit(patient=patient, code="nprs", answers=[5], today=start)
    plan_pause(plan=plan, by=patient.therapist, on=start + dt.timedelta(days=3))
    plan_resume(plan=plan, by=patient.therapist, on=start + dt.timedelta(days=10))  # 7 days paused
    assert "nprs" not in [item.code for item in due_for(patient=patient, today=start + dt.timedelta(days=14))]
    assert "nprs" in [item.code for item in due_for(patient=patient, today=start + dt.timedelta(days=21))]


def test_the_due_day_is_the_patients_own_local_day(instruments, handout_program):
    therapist = TherapistFactory()
    auckland = PatientFactory(therapist=therapist, timezone="Pacific/Auckland")
    london = PatientFactory(therapist=therapist, timezone="Europe/London")
    # 11:30 UTC on a day is already the next day in Auckland, still the same day in London.
    now = dt.datetime.combine(london.local_date(), dt.time(11, 30), tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=now):
        for patient in (auckland, london):
            _plan(patient, handout_program, london.local_date(now) + dt.timedelta(days=1))
        assert [item.code for item in due_for(patient=auckland)] == ["nprs", "psfs"]
        assert due_for(patient=london) == []


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_answers_for_the_same_due_date_make_one_response(active_plan):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises every write, so two requests can never race; "
            "run with DATABASE_URL=postgres://..."
        )
    patient, start = active_plan.patient, active_plan.start_date
    barrier = threading.Barrier(2)
    results, failures = [], []

    def submit(pain):
        try:
            barrier.wait(timeout=10)
            results.append(response_submit(patient=patient, code="nprs", answers=[pain], today=start))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in (3, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert sorted(answered.created for answered in results) == [False, True]
    stored = Response.objects.get(patient=patient, instrument_code="nprs")
    assert stored.score.value in (3, 6)


def test_the_completion_questionnaire_is_due_on_completion_and_for_two_weeks(instruments, active_plan):
    from patients.services import plan_complete

    patient = active_plan.patient
    response_submit(patient=patient, code="nprs", answers=[6], today=active_plan.start_date)
    plan_complete(plan=active_plan, by=patient.therapist)
    today = patient.local_date()
    assert [(item.code, item.due.kind) for item in due_for(patient=patient, today=today)] == [
        ("nprs", "completion"),
        ("psfs", "completion"),
    ]
    answered = response_submit(patient=patient, code="nprs", answers=[3], today=today)
    assert answered.response.due_date == today and answered.response.score.meaningful == "better"
    with pytest.raises(ValidationError, match="has ended"):
        response_submit(patient=patient, code="psfs", answers=[], today=today + dt.timedelta(days=15))
