"""A form sent twice stores one row: a double click on "Record time" once doubled the minutes
(20 became 40, crossing into another billing code), and a double tap on "Send" sent a message
twice. Each form carries a key made when it is shown; the same key sent again finds the first row."""

import re

import pytest
from django.core import mail

from audit.models import AuditEvent
from billing.models import TreatmentTime
from messaging.models import Message
from tests.api.conftest import client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def key_of(page) -> str:
    return re.search(r'name="submission" value="([0-9a-f-]{36})"', page.content.decode()).group(1)


def time_form(key, minutes="20"):
    return {
        "day": "2026-03-10",
        "minutes": minutes,
        "activity": "Called about the pain after bridges.",
        "interactive": "on",
        "performed_by": "Mia Hart",
        "submission": key,
    }


def test_recording_time_twice_from_one_form_records_it_once(client, patient):
    client.force_login(patient.therapist)
    url = f"/portal/rtm/patients/{patient.pk}/time/"
    key = key_of(client.get(url))
    first, second = client.post(url, time_form(key)), client.post(url, time_form(key))
    assert first.status_code == second.status_code == 302
    assert list(TreatmentTime.objects.filter(patient=patient).values_list("minutes", flat=True)) == [20]
    assert AuditEvent.objects.filter(action="rtm.time_recorded").count() == 1

    # Another form (another call the same day, the same minutes) is another entry.
    client.post(url, time_form(key_of(client.get(url))))
    assert TreatmentTime.objects.filter(patient=patient).count() == 2


def test_a_key_is_not_replayed_into_another_patients_record(client, patient):
    client.force_login(patient.therapist)
    other = PatientFactory(therapist=patient.therapist)
    key = key_of(client.get(f"/portal/rtm/patients/{patient.pk}/time/"))
    client.post(f"/portal/rtm/patients/{patient.pk}/time/", time_form(key))
    refused = client.post(f"/portal/rtm/patients/{other.pk}/time/", time_form(key))
    assert refused.status_code == 400
    assert "This form was already sent" in refused.content.decode()
    assert not TreatmentTime.objects.filter(patient=other).exists()


def test_a_message_sent_twice_from_one_form_arrives_once(client, patient, django_capture_on_commit_callbacks):
    patient.therapist.email = "mia@clinic.example.org"
    patient.therapist.save(update_fields=["email"])
    client.force_login(patient.user)
    key = key_of(client.get("/me/messages/"))
    with django_capture_on_commit_callbacks(execute=True):
        for _twice in range(2):
            assert (
                client.post("/me/messages/", {"body": "Is clicking normal?", "submission": key}).status_code
                == 302
            )
    assert Message.objects.filter(patient=patient).count() == 1
    assert len(mail.outbox) == 1  # the therapist is told once


def test_the_api_stores_a_retried_message_once(patient):
    api = client_for(patient.user)
    body = {"body": "Is clicking normal?", "submission": "6f1c2b1e-3f0a-4c5e-9a55-0d5a7f0e9b11"}
    first, retry = (
        api.post("/api/v1/me/messages/", body, format="json"),
        api.post("/api/v1/me/messages/", body, format="json"),
    )
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"]
    assert Message.objects.filter(patient=patient).count() == 1
    without_key = {"body": "Is clicking normal?"}
    api.post("/api/v1/me/messages/", without_key, format="json")
    api.post("/api/v1/me/messages/", without_key, format="json")
    assert Message.objects.filter(patient=patient).count() == 3  # no key: each is a message
