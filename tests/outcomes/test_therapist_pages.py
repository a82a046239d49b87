"""The therapist sees each questionnaire's baseline, latest, change and flag; sets a draft's
questionnaires; sees the STarT Back risk group on the plan builder."""

import datetime as dt
import re

import pytest

from outcomes.models import PlanOutcome
from outcomes.services import instrument_load, response_submit
from patients.models import Alert
from patients.services import plan_approve, plan_create_from_template

from ..factories import TherapistFactory


def _text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def answered(instruments, patient, handout_program):
    """NPRS and PSFS at baseline and week 2: pain 6 → 3 (better), activities 3,4,5 → 4,5,6 (not yet)."""
    start = patient.local_date() - dt.timedelta(days=15)
    plan = plan_create_from_template(
        patient=patient,
        template=handout_program,
        start_date=start,
        by=patient.therapist,
        confirm_start_date=True,
    )
    plan = plan_approve(plan=plan, by=patient.therapist)
    names = ["socks", "sitting", "lifting"]
    for day, pain, ratings in ((start, 6, (3, 4, 5)), (start + dt.timedelta(days=14), 3, (4, 5, 6))):
        response_submit(patient=patient, code="nprs", answers=[pain], today=day)
        activities = [{"name": n, "rating": r} for n, r in zip(names, ratings, strict=True)]
        response_submit(patient=patient, code="psfs", answers=activities, today=day)
    return plan


def test_the_patient_page_shows_baseline_latest_change_and_the_flag(client, answered):
    client.force_login(answered.patient.therapist)
    page = _text(client.get(f"/portal/patients/{answered.patient.pk}/"))
    nprs = page.split("Pain rating (NPRS)")[1].split("Activities you find hard (PSFS)")[0]
    assert "Baseline 6" in nprs and "Latest 3" in nprs and "Change -3 (50 % improvement)" in nprs
    assert "Meaningfully better: the change passes the meaningful threshold." in nprs
    assert "Meaningful change: 2 points or 30 % of the baseline." in nprs
    psfs = page.split("Activities you find hard (PSFS)")[1]
    assert "Change +1" in psfs and "Not yet a meaningful change." in psfs
    assert "2 points or 3 points on one activity" in psfs
    assert "as a table" in page


def test_a_clinic_manager_reads_the_outcomes_too(client, answered, manager):
    client.force_login(manager)
    assert "Meaningfully better" in _text(client.get(f"/portal/patients/{answered.patient.pk}/"))


def test_meaningfully_worse_is_flagged_and_alerted_once(client, instruments, active_plan):
    patient, start = active_plan.patient, active_plan.start_date
    response_submit(patient=patient, code="nprs", answers=[2], today=start)
    response_submit(patient=patient, code="nprs", answers=[5], today=start + dt.timedelta(days=14))
    client.force_login(patient.therapist)
    page = _text(client.get(f"/portal/patients/{patient.pk}/"))
    assert "Meaningfully worse: the change passes the meaningful threshold." in page
    assert "Pain rating (NPRS) is meaningfully worse than at the start: 2 → 5." in page
    assert Alert.objects.filter(kind=Alert.Kind.OUTCOME_WORSE).count() == 1
    assert "a questionnaire score meaningfully worse" in _text(client.get("/portal/"))


def test_the_draft_plan_sets_its_questionnaires(client, instruments, patient, handout_program):
    draft = plan_create_from_template(
        patient=patient, template=handout_program, start_date=patient.local_date(), by=patient.therapist
    )
    client.force_login(patient.therapist)
    url = f"/portal/patients/{patient.pk}/plans/{draft.pk}/"
    page = _text(client.get(url))
    assert "Questionnaires (outcome measures)" in page and "Save Pain rating (NPRS)" in page
    assert "ODI 2.1a : its text is not loaded on this server" in page
    post = f"/portal/patients/{patient.pk}/plans/{draft.pk}/questionnaires/"
    response = client.post(
        post, {"instrument_code": "nprs", "enabled": "on", "at_baseline": "on", "every_weeks": 4}
    )
    assert response.status_code == 302
    assert PlanOutcome.objects.get(plan=draft, instrument_code="nprs").every_weeks == 4
    client.post(post, {"instrument_code": "psfs", "every_weeks": 2})  # not ticked: stop asking
    assert not PlanOutcome.objects.filter(plan=draft, instrument_code="psfs").exists()
    # Bad input: a clear message, nothing changed.
    response = client.post(post, {"instrument_code": "nprs", "enabled": "on", "every_weeks": 40}, follow=True)
    assert "Ensure this value is less than or equal to 12." in _text(response)
    assert PlanOutcome.objects.get(plan=draft, instrument_code="nprs").every_weeks == 4
    # Another therapist: not found.
    client.force_login(TherapistFactory(clinic=patient.clinic))
    assert client.post(post, {"instrument_code": "nprs", "every_weeks": 2}).status_code == 404
    # Once approved the schedule reads as words and cannot be posted.
    plan_approve(plan=draft, by=patient.therapist)
    client.force_login(patient.therapist)
    assert "Pain rating (NPRS) : at the start, every 4 weeks" in _text(client.get(url))
    response = client.post(post, {"instrument_code": "nprs", "every_weeks": 2}, follow=True)
    assert "Questionnaires are chosen in a draft plan" in _text(response)


def test_the_plan_builder_shows_the_startback_risk_group(client, instruments, active_plan):
    instrument_load(
        data={
            "format": 1,
            "code": "startback",
            "version_label": "9-item",
            "name": "Keele STarT Back",
            "language": "en",
            "instructions": "Thinking about the last 2 weeks…",
            "copyright": "© Keele University 01/08/07",
            "items": [{"text": f"Item {n}", "options": ["Disagree", "Agree"]} for n in range(1, 9)]
            + [
                {
                    "text": "Item 9",
                    "options": ["Not at all", "Slightly", "Moderately", "Very much", "Extremely"],
                }
            ],
        }
    )
    PlanOutcome.objects.create(
        plan=active_plan, instrument_code="startback", every_weeks=0, at_completion=False
    )
    patient = active_plan.patient
    response_submit(
        patient=patient, code="startback", answers=[0, 0, 0, 0, 1, 1, 1, 1, 0], today=active_plan.start_date
    )
    client.force_login(patient.therapist)
    page = _text(client.get(f"/portal/patients/{patient.pk}/plans/{active_plan.pk}/"))
    assert "STarT Back risk group: High risk" in page
