"""The audit trail in words: every action a service records reads as a sentence a clinic
manager understands, with people's names, the clinic's dates, long comments kept whole."""

import datetime as dt
import html
import re

import pytest

from audit.models import AuditEvent
from patients import services
from patients.models import Alert
from patients.progression_services import progression_override
from reports.services import report_export_record
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

URL = "/portal/audit/"


def text_of(response) -> str:
    """The trail's words (the table, not the filter's choices), as a reader sees them."""
    body = response.content.decode()
    body = body.rsplit("</form>", 1)[-1]  # after the filter, the last form
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body))


@pytest.fixture
def story(handout_program):
    """Everything a therapist does that the trail records, for Sam Taylor."""
    therapist = TherapistFactory(first_name="Mia", last_name="Hart", username="mhart")
    manager = ManagerFactory(clinic=therapist.clinic, first_name="Lee", last_name="Boss")
    patient = services.patient_create(
        therapist=therapist, username="sam.taylor", first_name="Sam", last_name="Taylor"
    )
    services.patient_invitation(patient=patient, by=therapist)
    services.patient_update(
        patient=patient,
        by=therapist,
        last_name="Taylor",
        email="sam@example.org",
        base_url="https://clinic.example.org/",
    )
    today = patient.local_date()
    plan = services.plan_create_from_template(
        patient=patient, template=handout_program, start_date=today - dt.timedelta(days=3), by=therapist
    )
    services.plan_edit(
        plan=plan,
        by=therapist,
        start_date=today - dt.timedelta(days=4),
        targets=[{"exercise": "pelvic-tilt", "target_hold_seconds": 8, "target_reps": 10}],
        rules={2: {"min_sessions_in_previous_week": 4}},
    )
    bridge = plan.weeks.get(number=3).exercises.get(exercise__slug="bridge")
    services.plan_exercise_remove(plan_exercise=bridge, by=therapist)
    services.plan_exercise_add(week=plan.weeks.get(number=3), exercise=bridge.exercise, by=therapist)
    services.plan_approve(plan=plan, by=therapist)
    progression_override(plan=plan, by=therapist, action="advance", reason="doing well", effective_on=today)
    progression_override(plan=plan, by=therapist, action="hold", reason="wait a little")
    progression_override(plan=plan, by=therapist, action="release", reason="ready now")
    progression_override(plan=plan, by=therapist, action="back", reason="too much")
    services.plan_pause(plan=plan, by=therapist, reason="Flare-up")
    services.plan_resume(plan=plan, by=therapist)
    alert = Alert.objects.create(
        patient=patient, plan=plan, kind=Alert.Kind.HURT, message="It hurt.", cause_key="x"
    )
    services.alert_acknowledge(alert=alert, by=therapist, comment="Called Sam.")
    draft = services.plan_revise(plan=plan, by=therapist)
    services.plan_approve(plan=draft, by=therapist)
    services.plan_complete(plan=draft, by=therapist)
    report_export_record(
        by=manager,
        export="patients.csv",
        start=dt.date(2026, 11, 1),
        end=dt.date(2026, 11, 30),
        therapist=therapist,
    )
    report_export_record(
        by=manager, export="daily.csv", start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)
    )
    return therapist, manager, patient, today


def test_every_action_reads_as_a_sentence_with_names(client, story):
    therapist, manager, patient, today = story
    client.force_login(manager)
    page = text_of(client.get(URL))
    day = lambda d: f"{d.day} {d:%b %Y}"  # noqa: E731
    for sentence in [
        "Added Sam Taylor as a patient",
        "Made a one-time link for Sam Taylor to choose a password",
        "Changed Sam Taylor's details: last name",
        "Asked for Sam Taylor's email address to become sam@example.org; waiting for their confirmation",
        "Drafted plan version 1 for Sam Taylor from Back-strengthening exercises",
        f"Set version 1 of Sam Taylor's plan to start on {day(today - dt.timedelta(days=4))}",
        "Set Pelvic tilt in Sam Taylor's plan to hold 8 s, 10 repetitions",
        "Changed when Sam Taylor moves on to week 2: minimum sessions logged in the previous week 4",
        "Removed Bridge from Sam Taylor's plan",
        "Added Bridge to week 3 of Sam Taylor's plan",
        "Approved version 1 of Sam Taylor's plan",
        f"Moved Sam Taylor on to week 2 from {day(today)}: “doing well”",
        f"Held Sam Taylor in week 2 from {day(today)}: “wait a little”",
        f"Released the hold on Sam Taylor in week 2 from {day(today)}: “ready now”",
        f"Moved Sam Taylor back to week 1 from {day(today)}: “too much”",
        "Paused Sam Taylor's plan: “Flare-up”",
        "Resumed Sam Taylor's plan",
        "Acknowledged Sam Taylor's alert “It hurt, stopped”: “Called Sam.”",
        "Drafted version 2 of Sam Taylor's plan from version 1",
        "Approved version 2 of Sam Taylor's plan",
        "Completed Sam Taylor's plan",
        "Exported adherence per patient (CSV) for 1 Nov 2026 to 30 Nov 2026, Mia Hart's patients",
        "Exported adherence day by day (CSV) for 1 Nov 2026 to 30 Nov 2026",
    ]:
        assert sentence.lower() in page.lower(), sentence
    assert "Mia Hart" in page and "Lee Boss" in page
    # No codes and no raw data.
    for code in [
        "progression.advance",
        "patient.invited",
        "plan.changed",
        "effective_on",
        "sam.taylor",
        "mhart",
    ]:
        assert code not in page, code
    # Every recorded action kind has its words.
    from audit.describe import SENTENCES

    assert set(AuditEvent.objects.values_list("action", flat=True)) <= set(SENTENCES)


def test_times_are_in_the_clinics_time_zone(client, story):
    therapist, manager, patient, today = story
    manager.clinic.timezone = "America/Los_Angeles"
    manager.clinic.save()
    event = AuditEvent.objects.get(action="patient.created")
    event.created_at = dt.datetime(2026, 11, 27, 6, 30, tzinfo=dt.UTC)
    event.save()
    client.force_login(manager)
    page = text_of(client.get(URL, {"action": "patient.created"}))
    assert "26 Nov 2026, 22:30" in page and "America/Los_Angeles" in page


def test_a_30000_character_comment_is_cut_short_with_a_way_to_read_it_whole(client, story):
    therapist, manager, patient, today = story
    event = AuditEvent.objects.get(action="alert.acknowledged")
    event.data = {**event.data, "comment": "word " * 6000}
    event.save()
    client.force_login(manager)
    response = client.get(URL, {"action": "alert.acknowledged"})
    content = response.content.decode()
    assert "<details" in content and "Read it whole" in content
    assert content.count("word word") >= 1 and len("word " * 6000) < len(content)


def test_filter_by_patient_and_by_person(client, story, handout_program):
    therapist, manager, patient, today = story
    colleague = TherapistFactory(clinic=therapist.clinic, first_name="Ana", last_name="Other")
    other = PatientFactory(therapist=colleague, user__first_name="Kim", user__last_name="Lu")
    services.plan_create_from_template(
        patient=other, template=handout_program, start_date=other.local_date(), by=colleague
    )
    client.force_login(manager)
    page = text_of(client.get(URL, {"patient": other.pk}))
    assert "Drafted plan version 1 for Kim Lu" in page and "Sam Taylor" not in page
    page = text_of(client.get(URL, {"actor": therapist.pk}))
    assert "Sam Taylor" in page and "Kim Lu" not in page
    page = text_of(client.get(URL, {"actor": colleague.pk}))
    assert "Kim Lu" in page and "Sam Taylor" not in page
    # The choices are names, never usernames.
    html_ = client.get(URL).content.decode()
    assert ">Sam Taylor</option>" in html_ and ">Mia Hart</option>" in html_
    # Another clinic's patient is not a choice: the filter refuses it and says so.
    stranger = PatientFactory()
    response = client.get(URL, {"patient": stranger.pk})
    assert "Select a valid choice" in response.content.decode()


def test_the_page_costs_the_same_queries_however_many_events(client, story, django_assert_max_num_queries):
    therapist, manager, patient, today = story
    client.force_login(manager)
    client.get(URL)
    with django_assert_max_num_queries(16):
        client.get(URL)
