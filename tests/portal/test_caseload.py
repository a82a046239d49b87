"""The caseload list: own patients only, its columns, search, filters, sorting, pages, queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.services import message_send
from patients.models import Alert, Plan
from patients.progression_services import plan_progression_refresh
from patients.selectors import plan_exercises_up_to_week
from patients.services import ExerciseEntry, plan_approve, plan_create_from_template, session_log
from portal.selectors import caseload_for, clinic_today
from tests.factories import PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_patient(
    therapist,
    template,
    *,
    first="Ann",
    last="Example",
    started_days_ago=20,
    logged_days_ago=(),
    change="same",
    approve=True,
):
    patient = PatientFactory(
        therapist=therapist,
        user=UserFactory(role="patient", clinic=therapist.clinic, first_name=first, last_name=last),
    )
    today = clinic_today(therapist)
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=template,
        start_date=today - dt.timedelta(days=started_days_ago),
        by=therapist,
    )
    if not approve:
        return patient
    plan = plan_approve(plan=plan, by=therapist)
    for days_ago in sorted(logged_days_ago, reverse=True):
        day = today - dt.timedelta(days=days_ago)
        session_log(
            patient=patient,
            day=day,
            today=day,
            pain_before=4,
            pain_after=3,
            symptom_change=change,
            exercises=[ExerciseEntry.at_targets(i) for i in plan_exercises_up_to_week(plan=plan, week=1)],
        )
    return patient


def names(response) -> list[str]:
    return [p.user.last_name for p in response.context["page"]]


def test_a_therapist_sees_only_their_own_patients(client, therapist, handout_program):
    make_patient(therapist, handout_program, last="Mine")
    make_patient(TherapistFactory(clinic=therapist.clinic), handout_program, last="Colleagues")
    make_patient(TherapistFactory(), handout_program, last="OtherClinic")
    client.force_login(therapist)
    response = client.get(reverse("portal:caseload"))
    assert names(response) == ["Mine"]
    assert b"Colleagues" not in response.content and b"OtherClinic" not in response.content


def test_the_columns_show_status_week_last_session_adherence_and_alerts(client, therapist, handout_program):
    patient = make_patient(
        therapist, handout_program, last="Steady", started_days_ago=20, logged_days_ago=range(0, 14, 2)
    )
    plan = patient.plans.get()
    Alert.objects.create(
        patient=patient, plan=plan, kind=Alert.Kind.HURT, message="It hurt.", cause_key="hurt:1"
    )
    make_patient(therapist, handout_program, last="Drafted", approve=False)
    client.force_login(therapist)

    response = client.get(reverse("portal:caseload"))

    rows = {p.user.last_name: p for p in response.context["page"]}
    steady = rows["Steady"]
    assert (steady.plan_status, steady.current_week, steady.last_session) == (
        "approved",
        1,
        clinic_today(therapist),
    )
    assert (steady.sessions_logged, steady.days_prescribed, round(steady.adherence)) == (7, 14, 50)
    # the alert made above; the engine's "too few sessions to move on from week 1" is a
    # progression notice, not counted with the safety alerts
    open_alerts = Alert.objects.filter(patient=patient, acknowledged_at__isnull=True)
    assert set(open_alerts.values_list("kind", flat=True)) == {Alert.Kind.HURT}
    assert plan.notices.filter(closed_at__isnull=True).exists()
    assert steady.open_alerts == 1 and steady.needs_attention
    assert rows["Drafted"].plan_status == "draft" and rows["Drafted"].adherence is None
    html = response.content.decode()
    assert "50%" in html and "7 of 14 days" in html and "1 alert" in html


def test_adherence_counts_only_days_the_plan_was_running(client, therapist, handout_program):
    patient = make_patient(
        therapist, handout_program, last="New", started_days_ago=3, logged_days_ago=[3, 2, 1, 0]
    )
    row = caseload_for(user=therapist, today=clinic_today(therapist)).get(pk=patient.pk)
    assert (row.sessions_logged, row.days_prescribed, row.adherence) == (4, 4, 100.0)


def test_paused_days_are_not_prescribed(therapist, handout_program):
    from patients.services import plan_pause

    patient = make_patient(
        therapist, handout_program, last="Paused", started_days_ago=30, logged_days_ago=[13, 12]
    )
    today = clinic_today(therapist)
    plan_pause(plan=patient.plans.get(), by=therapist, on=today - dt.timedelta(days=9))
    row = caseload_for(user=therapist, today=today).get(pk=patient.pk)
    # Window: 13 days ago .. today; paused 9 days ago, so 13, 12, 11 and 10 days ago ran.
    assert (row.plan_status, row.days_prescribed, row.sessions_logged) == ("paused", 4, 2)


def test_search_filters_and_needs_attention(client, therapist, handout_program):
    make_patient(
        therapist, handout_program, first="Olive", last="Quiet", logged_days_ago=[5, 4]
    )  # silent 4 days
    make_patient(
        therapist, handout_program, first="Walt", last="Worse", logged_days_ago=[1, 0], change="worse"
    )
    make_patient(therapist, handout_program, first="Fine", last="Fellow", logged_days_ago=range(21))
    make_patient(therapist, handout_program, first="Dora", last="Draft", approve=False)
    client.force_login(therapist)
    url = reverse("portal:caseload")

    assert names(client.get(url, {"q": "oliv"})) == ["Quiet"]
    assert names(client.get(url, {"q": "walt worse"})) == ["Worse"]
    # In today's triage order: "worse" twice raised a safety alert, silence is only quiet.
    assert names(client.get(url, {"attention": "1"})) == ["Worse", "Quiet"]
    assert names(client.get(url, {"status": "draft"})) == ["Draft"]
    assert sorted(names(client.get(url, {"status": "approved"}))) == ["Fellow", "Quiet", "Worse"]
    response = client.get(url, {"q": "nobody"})
    assert "No patients match" in response.content.decode()


def test_every_column_sorts_both_ways(client, therapist, handout_program):
    make_patient(therapist, handout_program, last="Alpha", logged_days_ago=[0])
    make_patient(therapist, handout_program, last="Bravo", logged_days_ago=range(0, 14))
    make_patient(therapist, handout_program, last="Charlie", logged_days_ago=[6, 5])
    client.force_login(therapist)
    url = reverse("portal:caseload")
    assert names(client.get(url, {"sort": "-adherence"})) == ["Bravo", "Charlie", "Alpha"]
    assert names(client.get(url, {"sort": "adherence"})) == ["Alpha", "Charlie", "Bravo"]
    assert names(client.get(url, {"sort": "last_session"}))[0] == "Charlie"
    assert names(client.get(url, {"sort": "-name"})) == ["Charlie", "Bravo", "Alpha"]
    for column in ("status", "week", "alerts", "nonsense"):
        assert client.get(url, {"sort": column}).status_code == 200


def test_the_list_is_paginated(client, therapist, handout_program):
    for n in range(27):
        PatientFactory(
            therapist=therapist,
            user=UserFactory(role="patient", clinic=therapist.clinic, last_name=f"P{n:02}"),
        )
    client.force_login(therapist)
    first = client.get(reverse("portal:caseload"))
    second = client.get(reverse("portal:caseload"), {"page": 2})
    assert len(names(first)) == 25 and names(second) == ["P25", "P26"]
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("size", [2, 30])
def test_the_caseload_costs_the_same_queries_for_2_or_30_patients(
    client, therapist, handout_program, size, django_assert_num_queries
):
    for n in range(size):
        patient = make_patient(therapist, handout_program, last=f"Size{n}", logged_days_ago=[1, 0])
        Alert.objects.create(
            patient=patient, plan=patient.plans.get(), kind=Alert.Kind.HURT, message="x", cause_key=f"k{n}"
        )
        message_send(patient=patient, by=patient.user, body="A question", base_url="http://testserver/")
    client.force_login(therapist)
    client.get(reverse("portal:caseload"))  # the first request of a login also refreshes its session
    # The session, the user with their clinic, then the page's COUNT, the one caseload query
    # and the page's open alerts (for the triage's reasons in words); the page's questionnaires
    # (plans, their schedules, the answers given, the questionnaires' names) for those overdue.
    with django_assert_num_queries(9):
        response = client.get(reverse("portal:caseload"))
    assert len(response.context["page"]) == min(size, 25)
    assert "1 alert: stopped an exercise because it hurt" in response.content.decode()
    assert "1 unread message" in response.content.decode()  # in the caseload's one query


def _refreshed(patient):
    plan = patient.plans.get()
    return plan_progression_refresh(plan=plan, today=patient.local_date())


def test_the_week_column_shows_the_progression_state_and_the_filters_find_held_and_ready(
    client, therapist, handout_program
):
    ready = make_patient(
        therapist, handout_program, last="Ready", started_days_ago=9, logged_days_ago=range(2, 10)
    )
    held = make_patient(therapist, handout_program, last="Held", started_days_ago=9, logged_days_ago=[8, 5])
    make_patient(therapist, handout_program, last="Starting", started_days_ago=2, logged_days_ago=[1])
    assert _refreshed(ready).progression_state == Plan.ProgressionState.READY
    assert _refreshed(held).progression_state == Plan.ProgressionState.HELD
    Alert.objects.filter(patient=held).update(acknowledged_at=timezone.now())  # held is reason enough
    client.force_login(therapist)

    response = client.get(reverse("portal:caseload"))
    rows = {p.user.last_name: p for p in response.context["page"]}
    assert rows["Ready"].waiting_for_you and not rows["Ready"].needs_attention
    assert rows["Held"].needs_attention and not rows["Held"].open_alerts
    text = " ".join(response.content.decode().split())
    assert 'Week 1 <div><span class="badge progression-ready">Ready to move on</span>' in text
    assert 'Week 1 <div><span class="badge progression-held">Held back</span>' in text
    assert "Waiting for your confirmation" in text

    attention = client.get(reverse("portal:caseload"), {"attention": "1"})
    assert names(attention) == ["Held"]
    assert names(client.get(reverse("portal:caseload"), {"progression": "ready"})) == ["Ready"]
    assert names(client.get(reverse("portal:caseload"), {"progression": "held"})) == ["Held"]
    assert names(client.get(reverse("portal:caseload"), {"sort": "progression"})) == [
        "Held",
        "Ready",
        "Starting",
    ]
