"""The message endpoints: a manager with the clinic's setting on reads (never writes), the same
length limit as the pages, reading marks the other side's messages read, and nothing deletes."""

import pytest
from django.core import mail

from messaging.models import MESSAGE_MAX_LENGTH, Message

from .conftest import client_for


def _thread(world):
    return f"/api/v1/patients/{world.patient.pk}/messages/"


def test_a_manager_reads_only_where_the_clinic_allows_it_and_never_writes(world):
    client = client_for(world.patient.user)
    client.post("/api/v1/me/messages/", {"body": "Is swimming fine?"}, format="json")
    manager = client_for(world.manager)
    assert manager.get(_thread(world)).status_code == 404
    clinic = world.patient.clinic
    clinic.managers_read_messages = True
    clinic.save(update_fields=["managers_read_messages"])
    response = manager.get(_thread(world))
    assert response.status_code == 200
    assert [m["body"] for m in response.json()["results"]] == ["Is swimming fine?"]
    assert manager.post(_thread(world), {"body": "Yes."}, format="json").status_code == 403
    assert Message.objects.count() == 1 and Message.objects.get().read_at is None


def test_the_patient_asks_the_therapist_answers_and_reading_marks_read(
    world, django_capture_on_commit_callbacks
):
    patient = client_for(world.patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        asked = patient.post("/api/v1/me/messages/", {"body": "  Can I cycle?  "}, format="json")
    assert asked.status_code == 201
    assert asked.json()["body"] == "Can I cycle?" and asked.json()["from_patient"] is True
    assert asked.json()["mine"] is True and asked.json()["read_at"] is None
    assert "Can I cycle?" not in mail.outbox[0].body
    therapist = client_for(world.therapist)
    thread = therapist.get(_thread(world)).json()["results"]
    assert thread[0]["read_at"] is not None  # opened by the therapist: read from now on
    assert Message.objects.get().read_by == world.therapist
    therapist.post(_thread(world), {"body": "Yes, on the flat."}, format="json")
    mine = patient.get("/api/v1/me/messages/").json()["results"]
    assert [(m["body"], m["mine"]) for m in mine] == [("Can I cycle?", True), ("Yes, on the flat.", False)]
    assert mine[0]["read_at"] is not None
    assert Message.objects.filter(read_at__isnull=True).count() == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("x" * (MESSAGE_MAX_LENGTH + 1), "no more than 2000 characters"),
        ("   ", "may not be blank"),
    ],
)
def test_bad_messages_are_refused_with_a_clear_message_and_change_nothing(world, body, error):
    response = client_for(world.patient.user).post("/api/v1/me/messages/", {"body": body}, format="json")
    assert response.status_code == 400
    assert error in " ".join(response.json()["body"])
    assert not Message.objects.exists() and not mail.outbox


def test_no_endpoint_deletes_or_changes_a_message(world):
    client = client_for(world.patient.user)
    client.post("/api/v1/me/messages/", {"body": "Hello"}, format="json")
    for method in ("delete", "put", "patch"):
        assert getattr(client, method)("/api/v1/me/messages/", {}, format="json").status_code == 405
    assert client_for(world.therapist).delete(_thread(world)).status_code == 405
    assert Message.objects.count() == 1
