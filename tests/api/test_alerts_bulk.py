"""Alerts through the API: acknowledging several with one comment, filtering as the portal does,
a clinic manager reading the clinic's alerts, and the one comment limit."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from patients.models import Alert
from tests.factories import ManagerFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _more_alerts(world, n, kind=Alert.Kind.SILENCE):
    return [
        Alert.objects.create(
            patient=world.patient,
            plan=world.plan,
            kind=kind,
            message=f"Alert {i}",
            cause_key=f"more:{kind}:{i}",
        )
        for i in range(n)
    ]


def test_a_therapist_acknowledges_several_alerts_with_one_comment(world):
    alerts = [world.alert, *_more_alerts(world, 3)]
    client = client_for(world.therapist)
    audit_before = AuditEvent.objects.filter(action="alert.acknowledged").count()

    response = client.post(
        "/api/v1/alerts/acknowledge/",
        {"ids": [a.pk for a in alerts], "comment": "Phoned: all fine."},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(row["id"] for row in body) == sorted(a.pk for a in alerts)
    assert {(row["is_open"], row["acknowledgement_comment"]) for row in body} == {
        (False, "Phoned: all fine.")
    }
    assert client.get("/api/v1/alerts/?open=true").json()["count"] == 0
    assert AuditEvent.objects.filter(action="alert.acknowledged").count() == audit_before + 4


def test_bulk_acknowledgement_is_all_or_nothing(world):
    first, second = _more_alerts(world, 2)
    client = client_for(world.therapist)
    client.post(f"/api/v1/alerts/{first.pk}/acknowledge/", {"comment": "Seen."}, format="json")

    again = client.post("/api/v1/alerts/acknowledge/", {"ids": [first.pk, second.pk]}, format="json")

    assert again.status_code == 400
    assert "already acknowledged" in again.json()["non_field_errors"][0]
    second.refresh_from_db()
    assert second.is_open  # nothing changed

    # An id of someone else's patient (or none at all) is not found, and nothing changes.
    missing = client.post("/api/v1/alerts/acknowledge/", {"ids": [second.pk, 999999]}, format="json")
    assert missing.status_code == 404
    second.refresh_from_db()
    assert second.is_open


def test_a_comment_longer_than_2000_characters_is_refused_everywhere(world):
    client = client_for(world.therapist)
    long = "x" * 30_000
    for url, body in (
        (f"/api/v1/alerts/{world.alert.pk}/acknowledge/", {"comment": long}),
        ("/api/v1/alerts/acknowledge/", {"ids": [world.alert.pk], "comment": long}),
    ):
        response = client.post(url, body, format="json")
        assert response.status_code == 400
        assert "2000" in response.json()["comment"][0]
    world.alert.refresh_from_db()
    assert world.alert.is_open
    ok = client.post(
        "/api/v1/alerts/acknowledge/", {"ids": [world.alert.pk], "comment": "y" * 2000}, format="json"
    )
    assert ok.status_code == 200


def test_the_list_filters_by_kind_open_patient_and_day(world):
    _more_alerts(world, 2)
    client = client_for(world.therapist)
    today = world.patient.local_date()
    assert client.get("/api/v1/alerts/?kind=silence").json()["count"] == 2
    assert client.get("/api/v1/alerts/?kind=hurt&open=true").json()["count"] == 1
    assert client.get(f"/api/v1/alerts/?patient={world.patient.pk}").json()["count"] == 3
    assert client.get(f"/api/v1/alerts/?raised_after={today + dt.timedelta(days=2)}").json()["count"] == 0
    assert client.get(f"/api/v1/alerts/?raised_before={today + dt.timedelta(days=2)}").json()["count"] == 3
    # Another therapist's patient is not a valid choice: refused, never revealed.
    other = client_for(world.therapist_other_clinic).get(f"/api/v1/alerts/?patient={world.patient.pk}")
    assert other.status_code == 400


def test_a_manager_reads_their_clinics_alerts_but_changes_nothing(world):
    manager = client_for(world.manager)
    listing = manager.get("/api/v1/alerts/").json()
    assert [row["id"] for row in listing["results"]] == [world.alert.pk]
    assert manager.get(f"/api/v1/alerts/{world.alert.pk}/").status_code == 200
    assert (
        manager.post("/api/v1/alerts/acknowledge/", {"ids": [world.alert.pk]}, format="json").status_code
        == 403
    )

    other_manager = client_for(ManagerFactory())
    assert other_manager.get("/api/v1/alerts/").json()["count"] == 0
    assert other_manager.get(f"/api/v1/alerts/{world.alert.pk}/").status_code == 404
    world.alert.refresh_from_db()
    assert world.alert.is_open
