""" "Held back from week 2" is a progression notice: shown with the progression, never counted or
listed with the safety alerts, and it closes by itself, saying why, once it no longer holds."""

from datetime import timedelta

import pytest
from django.urls import reverse

from patients.models import Alert, Plan, ProgressionNotice
from patients.progression_selectors import patient_safety_messages
from patients.progression_services import plan_progression_refresh, progression_override
from patients.services import plan_approve, plan_create_from_template, plan_revise, session_log
from portal.selectors import caseload_for
from reports import selectors as reports
from tests.api.conftest import client_for

from .helpers import entries_for

pytestmark = pytest.mark.django_db

HELD = Plan.ProgressionState.HELD


def log(plan, day, *, change="same"):
    plan.refresh_from_db()
    pain = plan.patient.baseline_pain
    return session_log(
        patient=plan.patient,
        day=day,
        today=day,
        pain_before=pain,
        pain_after=pain,
        symptom_change=change,
        exercises=entries_for(plan),
    )


@pytest.fixture
def start(patient):
    return patient.local_date() - timedelta(days=12)


@pytest.fixture
def plan(patient, handout_program, start):
    draft = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=start,
        by=patient.therapist,
    )
    return plan_approve(plan=draft, by=patient.therapist)


@pytest.fixture
def held_for_worse(plan, start):
    """Week 1 logged every day, the 8th session "worse": held back from week 2 on day 9."""
    for n in range(7):
        log(plan, start + timedelta(days=n))
    log(plan, start + timedelta(days=7), change="worse")
    plan.refresh_from_db()
    assert plan.progression_state == HELD
    return plan


@pytest.fixture
def held_for_few_sessions(plan, patient):
    """Twelve days on the plan and not one session: held back from week 2, today."""
    plan = plan_progression_refresh(plan=plan, today=patient.local_date())
    assert plan.progression_state == HELD
    return plan


def open_notice(plan) -> ProgressionNotice:
    return ProgressionNotice.objects.get(plan=plan, closed_at__isnull=True)


def test_being_held_back_opens_one_notice_and_no_alert(held_for_worse):
    notice = open_notice(held_for_worse)
    assert notice.week == 2
    assert notice.message.startswith("Held back from week 2: Symptoms reported worse on")
    # evaluating again keeps the same notice open, raises no second
    plan_progression_refresh(plan=held_for_worse, today=held_for_worse.start_date + timedelta(days=8))
    assert ProgressionNotice.objects.filter(plan=held_for_worse).count() == 1
    assert not Alert.objects.filter(plan=held_for_worse).exclude(kind__in=Alert.Kind.values).exists()
    assert "held" not in Alert.Kind.values


def test_the_notice_closes_when_the_therapist_moves_the_patient_on(held_for_worse):
    day = held_for_worse.start_date + timedelta(days=8)
    progression_override(
        plan=held_for_worse,
        by=held_for_worse.patient.therapist,
        action="advance",
        reason="Phoned: the worse day was a long drive.",
        effective_on=day,
        today=day,
    )
    notice = ProgressionNotice.objects.get(plan=held_for_worse)
    assert not notice.is_open
    assert notice.close_reason == "Moved on to week 2."
    assert not ProgressionNotice.objects.filter(plan=held_for_worse, closed_at__isnull=True).exists()


def test_the_notice_closes_when_the_condition_clears(held_for_worse, start):
    for n in (8, 9, 10):  # three sessions no worse: the worse day leaves the last three
        log(held_for_worse, start + timedelta(days=n))
    held_for_worse.refresh_from_db()
    assert held_for_worse.progression_state == Plan.ProgressionState.READY
    notice = ProgressionNotice.objects.get(plan=held_for_worse)
    assert (notice.is_open, notice.close_reason) == (False, "The condition cleared.")


def test_a_new_version_of_the_plan_closes_the_old_versions_notice(held_for_few_sessions):
    therapist = held_for_few_sessions.patient.therapist
    draft = plan_revise(plan=held_for_few_sessions, by=therapist)
    plan_approve(plan=draft, by=therapist)
    notice = ProgressionNotice.objects.get(plan=held_for_few_sessions)
    assert notice.close_reason == "A new version of the plan replaced this one."


def test_a_notice_is_never_among_the_safety_alerts(
    client, held_for_few_sessions, patient, therapist, manager
):
    plan = held_for_few_sessions
    notice = open_notice(plan)
    assert notice.message.startswith("Held back from week 2: Only 0 sessions logged")
    assert not Alert.objects.filter(patient=patient, kind__in=["held"]).exists()
    today = patient.local_date()

    # the patient's safety messages
    assert all("Held back" not in m.text for m in patient_safety_messages(patient=patient))
    # the caseload: held back needs attention, but no alert is counted
    row = caseload_for(user=therapist, today=today).get(pk=patient.pk)
    assert row.open_alerts == Alert.objects.filter(patient=patient, acknowledged_at__isnull=True).count()
    assert row.needs_attention
    # the clinic report's open alerts
    [figures] = reports.adherence_by_patient(
        user=manager, clinic=manager.clinic, start=today - timedelta(days=7), end=today
    )
    assert figures.open_alerts == row.open_alerts
    # the API's alerts
    answer = client_for(therapist).get("/api/v1/alerts/").json()
    listed = answer["results"] if isinstance(answer, dict) else answer
    assert all("Held back" not in alert["message"] for alert in listed)

    # the patient's page: the notice with the progression, not among the open safety alerts
    client.force_login(therapist)
    response = client.get(reverse("portal:patient_detail", args=[patient.pk]))
    assert all(
        "Held back" not in alert.message
        for group in response.context["alert_groups"]
        for alert in group.alerts
    )
    html = response.content.decode()
    alerts_section = html[html.index('id="alerts"') : html.index('id="progression-heading"')]
    assert "Held back from week 2" not in alerts_section
    assert "Held back from week 2: Only 0 sessions" in html[html.index('id="progression-heading"') :]

    # the progression page: the same, in the state's card
    html = client.get(reverse("portal:progression", args=[patient.pk])).content.decode()
    alerts_section = html[html.index('id="alerts-heading"') : html.index('id="now-heading"')]
    assert "Held back from week 2" not in alerts_section
    assert "Held back from week 2: Only 0 sessions" in html[html.index('id="now-heading"') :]


def test_the_api_progression_shows_the_open_notice_and_then_none(held_for_few_sessions, patient, therapist):
    api = client_for(therapist)
    url = f"/api/v1/plans/{held_for_few_sessions.pk}/progression/"
    answer = api.get(url).json()
    assert answer["state"] == "held"
    assert answer["notice"]["week"] == 2
    assert answer["notice"]["message"].startswith("Held back from week 2: Only 0 sessions logged")

    today = patient.local_date()
    progression_override(
        plan=held_for_few_sessions,
        by=therapist,
        action="advance",
        reason="Seen in clinic: ready.",
        today=today,
    )
    answer = api.get(url).json()
    assert (answer["current_week"], answer["notice"]) == (2, None)
    assert ProgressionNotice.objects.get(plan=held_for_few_sessions).close_reason == "Moved on to week 2."


def test_earlier_notices_are_listed_with_why_they_closed(client, held_for_worse, start, therapist):
    for n in (8, 9, 10):
        log(held_for_worse, start + timedelta(days=n))
    client.force_login(therapist)
    html = client.get(reverse("portal:progression", args=[held_for_worse.patient.pk])).content.decode()
    assert "Earlier progression notices" in html
    assert "The condition cleared." in html


@pytest.mark.django_db(transaction=True)
def test_migration_0004_turns_held_back_alerts_into_notices(active_plan):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before, after = ("patients", "0003_reportsfast_session_counts"), ("patients", "0004_progression_notices")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    plan, now = active_plan, timezone.now()
    Plan.objects.filter(pk=plan.pk).update(progression_state=HELD)
    seen = {"acknowledged_at": now - timedelta(days=5), "acknowledgement_comment": "Phoned."}
    for days_ago, key, extra in (
        (9, "held:2:2026-01-01", seen),
        (6, "held:2:2026-01-02", {}),
        (1, "held:3:x", {}),
    ):
        Alert.objects.create(
            patient=plan.patient,
            plan=plan,
            kind="held",
            message=f"Held back ({key})",
            cause_key=key,
            created_at=now - timedelta(days=days_ago),
            **extra,
        )
    Alert.objects.create(patient=plan.patient, plan=plan, kind="hurt", message="It hurt.", cause_key="hurt:x")
    try:
        executor.loader.build_graph()
        executor.migrate([after])

        assert list(Alert.objects.values_list("kind", flat=True)) == ["hurt"]  # safety alerts stay
        notices = {n.cause_key: n for n in ProgressionNotice.objects.all()}
        assert notices["held:3:x"].is_open and notices["held:3:x"].week == 3  # the newest, still held
        assert notices["held:2:2026-01-02"].close_reason == "Replaced by a later notice."
        assert notices["held:2:2026-01-01"].close_reason == "Acknowledged by the therapist (as an alert)."
        assert notices["held:2:2026-01-01"].opened_at == now - timedelta(days=9)
    finally:  # back to the latest migrations, for the tests that follow
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
