"""Today's triage and alerts that scale: what a therapist with 30 patients and 40 open alerts
sees first, and how they clear a patient's alerts, as the clinic would notice it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from messaging.services import message_send
from patients.models import Alert, Plan
from portal.selectors import Triage, clinic_today
from tests.factories import ManagerFactory, TherapistFactory

from .test_caseload import make_patient

pytestmark = pytest.mark.django_db

K = Alert.Kind


def _alert(patient, kind, days_ago, n=0):
    return Alert.objects.create(
        patient=patient,
        plan=patient.plans.get(),
        kind=kind,
        message=f"{kind} {days_ago} days ago ({n})",
        cause_key=f"{kind}:{days_ago}:{n}",
        created_at=timezone.now() - dt.timedelta(days=days_ago, minutes=n),
    )


@pytest.fixture
def busy_caseload(therapist, handout_program):
    """30 patients, 40 open alerts, as a busy Monday looks."""
    p = {}

    def patient(last, **kwargs):
        kwargs.setdefault("started_days_ago", 1)
        p[last] = make_patient(therapist, handout_program, first=last[:1], last=last, **kwargs)
        return p[last]

    # Carla-like: 11 alerts of every kind, the oldest 8 days ago.
    many = patient("Many")
    for n, (kind, days) in enumerate(
        [(K.HURT, 8), (K.HURT, 6), (K.HURT, 4), (K.HURT, 2), (K.HIGH_PAIN, 7), (K.HIGH_PAIN, 5)]
        + [(K.HIGH_PAIN, 3), (K.PAIN_RISE, 6), (K.PAIN_RISE, 1), (K.WORSE_TWICE, 5), (K.SILENCE, 1)]
    ):
        _alert(many, kind, days, n)
    _alert(patient("HurtOld"), K.HURT, 3)
    _alert(patient("PainNew"), K.HIGH_PAIN, 1)
    _alert(patient("WorseTwice"), K.WORSE_TWICE, 9)  # older, but less serious than pain
    _alert(patient("SilentAlert"), K.SILENCE, 10)
    for i in range(7):  # fillers: 25 more silence alerts on 7 patients
        filler = patient(f"Zfiller{i}")
        for n in range(4 if i < 4 else 3):
            _alert(filler, K.SILENCE, 1, n)
    for name, state in [("ReadyA", "ready"), ("ReadyB", "ready"), ("HeldA", "held"), ("HeldB", "held")]:
        patient(name)
        Plan.objects.filter(patient=p[name]).update(progression_state=state, current_week=1)
    for i in range(5):
        patient(f"Quiet{i}", started_days_ago=6, logged_days_ago=[6, 5])  # nothing for 4 days
    for i in range(9):
        patient(f"Rest{i}")
    assert len(p) == 30
    assert Alert.objects.filter(acknowledged_at__isnull=True).count() == 40
    return p


def _rows(response):
    return [(p.user.last_name, line.group) for p, line, _label in response.context["rows"]]


def test_a_patients_unread_question_comes_after_progression_and_before_the_quiet(
    client, therapist, busy_caseload
):
    """A patient who asked something is waiting for the therapist, like a week to confirm: after
    safety alerts and progression, before the quiet ones; a patient with alerts stays with alerts."""
    asking, alerted = busy_caseload["Rest3"], busy_caseload["HurtOld"]
    for patient in (asking, alerted):
        message_send(
            patient=patient, by=patient.user, body="Is clicking normal?", base_url="http://testserver/"
        )
    client.force_login(therapist)
    response = client.get(reverse("portal:caseload"))
    rows = _rows(response)
    groups = [group for _name, group in rows]
    assert groups == sorted(groups)
    assert dict(rows)["Rest3"] == Triage.MESSAGES and dict(rows)["HurtOld"] == Triage.ALERTS
    assert Triage.PROGRESSION < Triage.MESSAGES < Triage.QUIET
    line = next(line for p, line, _label in response.context["rows"] if p.pk == asking.pk)
    assert line.reason == "1 unread message"
    assert line.action_label == "Read and answer"
    assert line.action_url == reverse("portal:patient_detail", kwargs={"pk": asking.pk}) + "#messages"
    page = response.content.decode()
    assert "Messages waiting for you" in page
    assert page.count("1 unread message") == 2  # HurtOld's badge beside its alerts, Rest3's reason


def test_the_caseload_opens_on_what_needs_the_therapist_now(client, therapist, busy_caseload):
    client.force_login(therapist)
    response = client.get(reverse("portal:caseload"))
    rows = _rows(response)
    # Safety alerts first: the most serious kind, then the oldest; then progression (held
    # before ready), then the quiet, then everyone else.
    assert [name for name, _g in rows[:5]] == ["Many", "HurtOld", "PainNew", "WorseTwice", "SilentAlert"]
    assert [g for _n, g in rows] == sorted(g for _n, g in rows)
    assert [name for name, g in rows if g == 1] == ["HeldA", "HeldB", "ReadyA", "ReadyB"]
    assert [g for _n, g in rows].count(0) == 12
    second = _rows(client.get(reverse("portal:caseload"), {"page": 2}))
    assert [name for name, _g in second] == [f"Rest{i}" for i in range(4, 9)]

    text = " ".join(response.content.decode().split())
    assert "11 alerts: pain up 2 or more from their usual (2 times, last " in text
    assert "stopped an exercise because it hurt (4 times, last " in text
    assert "no session for 3 days (" in text
    assert "Ready for week 2: waiting for you" in text and "Confirm week 2" in text
    assert "Held back from week 2" in text
    assert "No session since " in text
    assert "Acknowledge the 11 alerts" in text
    many = busy_caseload["Many"]
    assert f'href="{reverse("portal:patient_detail", kwargs={"pk": many.pk})}#alerts"' in text
    assert f'href="{reverse("portal:progression", kwargs={"pk": busy_caseload["ReadyA"].pk})}"' in text


def test_other_sorts_and_filters_still_work_with_the_triage(client, therapist, busy_caseload):
    client.force_login(therapist)
    url = reverse("portal:caseload")
    by_name = _rows(client.get(url, {"sort": "name"}))
    assert [n for n, _g in by_name][:3] == ["HeldA", "HeldB", "HurtOld"]
    assert [n for n, _g in _rows(client.get(url, {"sort": "-alerts"}))][0] == "Many"
    assert {n for n, _g in _rows(client.get(url, {"progression": "ready"}))} == {"ReadyA", "ReadyB"}
    assert [n for n, _g in _rows(client.get(url, {"q": "quiet1"}))] == ["Quiet1"]


def test_clearing_a_patients_alerts_is_one_post(client, therapist, busy_caseload):
    many = busy_caseload["Many"]
    client.force_login(therapist)
    audit_before = AuditEvent.objects.filter(action="alert.acknowledged").count()

    response = client.post(
        reverse("portal:alerts_acknowledge", kwargs={"pk": many.pk}),
        {"scope": "all", "comment": "Phoned Carla: flare-up after gardening; plan paused for a week."},
        follow=True,
    )

    assert "11 alerts acknowledged." in response.content.decode()
    assert not many.alerts.filter(acknowledged_at__isnull=True).exists()
    assert set(many.alerts.values_list("acknowledgement_comment", flat=True)) == {
        "Phoned Carla: flare-up after gardening; plan paused for a week."
    }
    assert AuditEvent.objects.filter(action="alert.acknowledged").count() == audit_before + 11
    rows = _rows(client.get(reverse("portal:caseload")))
    assert rows[0][0] == "HurtOld"
    assert ("Many", Triage.REST) in rows or "Many" not in dict(rows)  # now with everyone else (page 2)


def test_a_patients_alerts_are_grouped_by_cause_most_serious_and_newest_first(
    client, therapist, busy_caseload
):
    many = busy_caseload["Many"]
    client.force_login(therapist)
    response = client.get(reverse("portal:patient_detail", kwargs={"pk": many.pk}))
    groups = response.context["alert_groups"]
    # Pain and "it hurt" first (the newest of them first), then worse twice, then silence.
    assert [(g.kind, g.count) for g in groups] == [
        (K.PAIN_RISE, 2),
        (K.HURT, 4),
        (K.HIGH_PAIN, 3),
        (K.WORSE_TWICE, 1),
        (K.SILENCE, 1),
    ]
    assert [a.message for a in groups[1].alerts] == [
        "hurt 2 days ago (3)",
        "hurt 4 days ago (2)",
        "hurt 6 days ago (1)",
        "hurt 8 days ago (0)",
    ]
    html = response.content.decode()
    assert html.count('alert-group"') == 5 and html.count('name="comment"') == 1
    assert html.count('type="checkbox" name="alerts"') == 11
    assert "Acknowledge all 11 open alerts" in html


def test_acknowledge_one_kind_or_the_ticked_ones(client, therapist, busy_caseload):
    many = busy_caseload["Many"]
    client.force_login(therapist)
    url = reverse("portal:alerts_acknowledge", kwargs={"pk": many.pk})
    client.post(url, {"scope": "kind:hurt", "comment": "Stopped the pelvic tilt."})
    assert not many.alerts.filter(kind=K.HURT, acknowledged_at__isnull=True).exists()
    assert many.alerts.filter(acknowledged_at__isnull=True).count() == 7
    ticked = list(many.alerts.filter(kind=K.HIGH_PAIN).values_list("pk", flat=True)[:2])
    client.post(url, {"scope": "selected", "alerts": ticked, "comment": ""})
    assert many.alerts.filter(acknowledged_at__isnull=True).count() == 5
    nothing = client.post(url, {"scope": "selected", "comment": "x"}, follow=True)
    assert "Tick at least one alert" in nothing.content.decode()
    # Someone else's alert cannot be slipped in with this patient's.
    other = busy_caseload["HurtOld"].alerts.get()
    refused = client.post(url, {"scope": "selected", "alerts": [other.pk]}, follow=True)
    assert "Select a valid choice" in refused.content.decode()
    other.refresh_from_db()
    assert other.is_open


def test_a_30000_character_comment_is_refused_with_a_clear_message(client, therapist, busy_caseload):
    many = busy_caseload["Many"]
    client.force_login(therapist)
    alert = many.alerts.first()
    for url, data in (
        (reverse("portal:alerts_acknowledge", kwargs={"pk": many.pk}), {"scope": "all"}),
        (reverse("portal:alert_acknowledge", kwargs={"pk": many.pk, "alert_pk": alert.pk}), {}),
    ):
        response = client.post(url, {**data, "comment": "x" * 30_000}, follow=True)
        assert "keep it to 2000 or fewer" in response.content.decode()
    assert many.alerts.filter(acknowledged_at__isnull=True).count() == 11


def test_the_alert_list_for_the_therapist_and_the_manager(client, therapist, busy_caseload):
    many = busy_caseload["Many"]
    colleague_patient = make_patient(TherapistFactory(clinic=therapist.clinic), Plan.objects.first().template)
    _alert(colleague_patient, K.HURT, 1)
    client.force_login(therapist)
    client.post(
        reverse("portal:alerts_acknowledge", kwargs={"pk": many.pk}),
        {"scope": "kind:hurt", "comment": "Long story. " * 160},
    )
    url = reverse("portal:alert_list")

    response = client.get(url)
    assert response.context["page"].paginator.count == 40  # their own patients' only
    assert len(response.context["page"]) == 25
    html = response.content.decode()
    assert 'aria-current="page">Alerts' in html

    acknowledged = client.get(url, {"open": "false"})
    text = acknowledged.content.decode()
    assert acknowledged.context["page"].paginator.count == 4
    assert "Acknowledged by" in text and "Read the whole comment" in text
    assert client.get(url, {"kind": "high_pain"}).context["page"].paginator.count == 4
    assert client.get(url, {"patient": many.pk, "open": "true"}).context["page"].paginator.count == 7
    today = clinic_today(therapist)
    recent = client.get(url, {"raised_after": (today - dt.timedelta(days=1)).isoformat()})
    assert 0 < recent.context["page"].paginator.count < 40
    page2 = client.get(url, {"kind": "silence", "page": 2})
    assert page2.status_code == 200 and "Page 2 of 2" in page2.content.decode()

    manager = ManagerFactory(clinic=therapist.clinic)
    client.force_login(manager)
    response = client.get(url)
    assert response.context["page"].paginator.count == 41  # the whole clinic
    assert 'name="comment"' not in response.content.decode()
    client.force_login(ManagerFactory())
    assert client.get(url).context["page"].paginator.count == 0


def test_a_patient_ready_to_move_on_says_since_when_they_wait(client, therapist, handout_program):
    from patients.progression_services import plan_progression_refresh

    waiting = make_patient(
        therapist, handout_program, last="Waiting", started_days_ago=9, logged_days_ago=range(2, 10)
    )
    plan = plan_progression_refresh(plan=waiting.plans.get(), today=waiting.local_date())
    assert plan.progression_state == Plan.ProgressionState.READY
    min_days = plan.weeks.get(number=2).min_days_in_previous_week
    since = clinic_today(therapist) - dt.timedelta(days=9) + dt.timedelta(days=min_days)
    client.force_login(therapist)

    response = client.get(reverse("portal:caseload"))

    (row,) = response.context["rows"]
    assert row[1].reason == f"Ready for week 2: waiting for you since {since:%a}"
    assert row[1].action_label == "Confirm week 2"


def test_the_patient_page_costs_the_same_queries_for_1_or_11_alerts(client, therapist, handout_program):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one, many = (make_patient(therapist, handout_program, last=name) for name in ("One", "Eleven"))
    _alert(one, K.HURT, 1)
    for n, kind in enumerate(
        [K.HURT] * 4 + [K.HIGH_PAIN] * 3 + [K.PAIN_RISE] * 2 + [K.WORSE_TWICE, K.SILENCE]
    ):
        _alert(many, kind, n + 1, n)
    client.force_login(therapist)
    counts = []
    for patient in (one, many):
        url = reverse("portal:patient_detail", kwargs={"pk": patient.pk})
        client.get(url)  # the first visit of the day may refresh the progression
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
