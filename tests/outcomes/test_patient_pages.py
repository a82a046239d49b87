"""The patient sees due questionnaires on Today and answers one on one page."""

import datetime as dt

from outcomes.models import Response
from outcomes.services import response_submit
from patients.services import plan_approve, plan_create_from_template

from ..factories import PASSWORD, PatientFactory

TODAY_URL = "/me/"


def _login(client, patient):
    client.login(username=patient.user.username, password=PASSWORD)
    return client


def test_today_lists_the_due_questionnaires_and_answering_one_removes_it(client, instruments, active_plan):
    # The plan started 3 days ago: the baseline NPRS and PSFS are open.
    client = _login(client, active_plan.patient)
    page = client.get(TODAY_URL).content.decode()
    assert "2 short questionnaires for your therapist" in page
    assert "/me/questionnaires/nprs/" in page and "/me/questionnaires/psfs/" in page
    form = client.get("/me/questionnaires/nprs/").content.decode()
    assert "On average over the last week" in form and 'name="item-1"' in form
    response = client.post("/me/questionnaires/nprs/", {"item-1": "6"})
    assert response.status_code == 302 and response.url == TODAY_URL
    assert Response.objects.get().score.value == 6
    page = client.get(TODAY_URL).content.decode()
    assert "A short questionnaire for your therapist" in page and "/me/questionnaires/nprs/" not in page


def test_an_unanswered_question_saves_nothing_and_says_so(client, instruments, active_plan):
    client = _login(client, active_plan.patient)
    page = client.post("/me/questionnaires/nprs/", {}).content.decode()
    assert "Nothing was saved yet" in page and "Please answer question(s) 1" in page
    assert not Response.objects.exists()


def test_a_digit_that_is_not_a_number_is_an_unanswered_question_not_a_failure(
    client, instruments, active_plan
):
    """The answers "²" and "①" pass str.isdigit() but are no number, and 5000 digits are too many for int():
    the page says what to fix and saves nothing."""
    client = _login(client, active_plan.patient)
    for value in ("²", "①", "9" * 5000):
        page = client.post("/me/questionnaires/nprs/", {"item-1": value})
        assert page.status_code == 200
        assert "Please answer question(s) 1" in page.content.decode()
    page = client.post(
        "/me/questionnaires/psfs/",
        {f"activity-{n}-name": name for n, name in enumerate(("Socks", "Sitting", "Lifting"), 1)}
        | {f"activity-{n}-rating": "²" for n in (1, 2, 3)},
    )
    assert page.status_code == 200 and "Nothing was saved yet" in page.content.decode()
    assert not Response.objects.exists()


def test_psfs_names_activities_at_baseline_and_rates_the_same_ones_later(
    client, instruments, patient, handout_program
):
    start = patient.local_date() - dt.timedelta(days=14)
    plan = plan_create_from_template(
        patient=patient,
        template=handout_program,
        start_date=start,
        by=patient.therapist,
        confirm_start_date=True,
    )
    plan_approve(plan=plan, by=patient.therapist)
    client = _login(client, patient)
    # The baseline (due on the start date) was missed: the week-2 follow-up is the one open now,
    # and as it is the first answer, the patient names the activities.
    form = client.get("/me/questionnaires/psfs/").content.decode()
    assert 'name="activity-1-name"' in form and "(optional)" in form
    data = {
        "activity-1-name": "Putting on socks",
        "activity-1-rating": "3",
        "activity-2-name": "Sitting for an hour",
        "activity-2-rating": "4",
        "activity-3-name": "Lifting my daughter",
        "activity-3-rating": "6",
    }
    assert client.post("/me/questionnaires/psfs/", data).status_code == 302
    answer = Response.objects.get()
    assert str(answer.score.value) == "4.33"
    assert answer.answers["activities_named"] == [
        "Putting on socks",
        "Sitting for an hour",
        "Lifting my daughter",
    ]


def test_only_ones_own_due_questionnaire(client, instruments, active_plan):
    other = PatientFactory(therapist=active_plan.patient.therapist)
    client = _login(client, other)
    assert client.get("/me/questionnaires/nprs/").status_code == 302  # nothing due for them
    assert client.get("/me/questionnaires/sf36/").status_code == 404
    client.logout()
    client.login(username=active_plan.patient.therapist.username, password=PASSWORD)
    assert client.get("/me/questionnaires/nprs/").status_code == 403


def test_overdue_questionnaires_show_on_the_therapists_triage(client, instruments, patient, handout_program):
    start = patient.local_date() - dt.timedelta(days=5)
    plan = plan_create_from_template(
        patient=patient,
        template=handout_program,
        start_date=start,
        by=patient.therapist,
        confirm_start_date=True,
    )
    plan_approve(plan=plan, by=patient.therapist)
    client.force_login(patient.therapist)
    page = client.get("/portal/").content.decode()
    assert "Questionnaires overdue: Pain rating (NPRS), Activities you find hard (PSFS), due since" in page
    response_submit(patient=patient, code="nprs", answers=[4])
    response_submit(patient=patient, code="psfs", answers=[{"name": n, "rating": 5} for n in "abc"])
    assert "overdue" not in client.get("/portal/").content.decode()


def test_a_clinic_loaded_startback_is_answered_with_keeles_statement_on_the_form(
    client, instruments, active_plan
):
    from outcomes.models import PlanOutcome
    from outcomes.services import instrument_load

    instrument_load(
        data={
            "format": 1,
            "code": "startback",
            "version_label": "9-item",
            "name": "Keele STarT Back",
            "language": "en",
            "instructions": "Thinking about the last 2 weeks, tick your response.",
            "copyright": "© Keele University 01/08/07",
            "items": [{"text": f"Statement {n}", "options": ["Disagree", "Agree"]} for n in range(1, 9)]
            + [
                {
                    "text": "Bothersome?",
                    "options": ["Not at all", "Slightly", "Moderately", "Very much", "Extremely"],
                }
            ],
        }
    )
    PlanOutcome.objects.create(
        plan=active_plan, instrument_code="startback", every_weeks=0, at_completion=False
    )
    client = _login(client, active_plan.patient)
    form = client.get("/me/questionnaires/startback/").content.decode()
    assert "© Keele University 01/08/07" in form and "Very much" in form
    answers = {f"item-{n}": "1" for n in range(1, 9)} | {"item-9": "4"}
    assert client.post("/me/questionnaires/startback/", answers).status_code == 302
    score = Response.objects.get(instrument_code="startback").score
    assert (score.value, score.subscale, score.band) == (9, 5, "high")
