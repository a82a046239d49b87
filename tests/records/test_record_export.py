"""A clinic manager takes one patient's whole record away as a ZIP (issue 21, item 8)."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse

from audit.describe import describe_events
from audit.models import AuditEvent
from patients.models import Alert
from patients.services import (
    alert_acknowledge,
    plan_approve,
    plan_create_from_template,
    plan_revise,
    session_log,
)
from records.export import SECTIONS, Section, record_zip
from tests.api.conftest import client_for
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(active_plan):
    """Three sessions, one of them painful (an alert the therapist acknowledged), and a second,
    approved plan version."""
    patient = active_plan.patient
    today = patient.local_date()
    for days, (before, after, change) in enumerate([(4, 3, "better"), (4, 8, "worse"), (3, 3, "same")]):
        session_log(
            patient=patient,
            day=today - dt.timedelta(days=3 - days),
            pain_before=before,
            pain_after=after,
            symptom_change=change,
            note=f"Session {days + 1}.",
            as_prescribed=True,
        )
    alert = Alert.objects.filter(patient=patient).order_by("pk").first()
    assert alert is not None, "pain 8 after a session raises an alert"
    alert_acknowledge(alert=alert, by=patient.therapist, comment="Called; pain settled by the evening.")
    second = plan_approve(plan=plan_revise(plan=active_plan, by=patient.therapist), by=patient.therapist)
    return patient, second


def _zip(response) -> dict:
    return _zip_bytes(response.content)


def _json(files, name):
    return json.loads(files[name])


def _url(patient):
    return reverse("portal:patient_record_zip", kwargs={"pk": patient.pk})


def test_the_manager_downloads_the_whole_record_from_the_patients_page(client, history, pdf_required):
    patient, second = history
    manager = ManagerFactory(clinic=patient.clinic)
    patient.clinic.managers_read_messages = True  # every section, the messages too
    patient.clinic.save(update_fields=["managers_read_messages"])
    client.force_login(manager)

    page = client.get(reverse("portal:patient_detail", kwargs={"pk": patient.pk})).content.decode()
    assert f'href="{_url(patient)}"' in page and "Export the whole record (ZIP)" in page

    response = client.get(_url(patient))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="backcare-record-')
    files = _zip(response)
    assert set(files) == {"manifest.json", *(section.filename for section in SECTIONS)}

    facts = _json(files, "patient.json")
    assert facts["login"]["username"] == patient.user.username
    assert "password" not in json.dumps(facts)
    assert facts["clinic"]["name"] == patient.clinic.name

    plans = _json(files, "plans.json")
    assert [(p["version"], p["status"]) for p in plans] == [(1, "superseded"), (2, "approved")]
    assert [len(week["exercises"]) for week in plans[0]["weeks"]] == [3, 3, 3]
    assert plans[0]["weeks"][0]["exercises"][0]["target_hold_seconds"] > 0

    sessions = _json(files, "sessions.json")
    assert [(s["pain_before"], s["pain_after"], s["symptom_change"], s["note"]) for s in sessions] == [
        (4, 3, "better", "Session 1."),
        (4, 8, "worse", "Session 2."),
        (3, 3, "same", "Session 3."),
    ]
    assert all(len(s["exercises"]) == 3 and all(e["done"] for e in s["exercises"]) for s in sessions)

    alerts = _json(files, "alerts.json")
    acknowledged = [a for a in alerts if a["acknowledged_at"]]
    assert [a["acknowledgement_comment"] for a in acknowledged] == ["Called; pain settled by the evening."]
    assert acknowledged[0]["acknowledged_by_name"] == str(patient.therapist)

    progression = _json(files, "progression.json")
    assert progression["periods"] and {"notices", "overrides"} <= set(progression)

    audit = _json(files, "audit.json")
    words = [event["in_words"] for event in audit]
    name = patient.user.get_full_name()
    assert f"Approved version 2 of {name}'s plan" in words
    assert any(w.startswith(f"Acknowledged {name}'s alert") for w in words)

    assert files["program.pdf"].startswith(b"%PDF")
    manifest = _json(files, "manifest.json")
    assert [f["name"] for f in manifest["files"]] == [s.filename for s in SECTIONS]
    assert not any("left_out" in f for f in manifest["files"])

    # The export is in the clinic's audit trail, in words.
    event = AuditEvent.objects.get(action="patient.record_exported")
    assert (event.actor, event.patient, event.clinic) == (manager, patient, patient.clinic)
    describe_events([event])
    assert str(event.description) == f"Exported the record of {name}"


def test_only_a_manager_of_the_patients_clinic_gets_it_and_no_one_else_is_recorded(client, history):
    patient, _ = history
    other_manager = ManagerFactory()
    for user, status in (
        (patient.therapist, 403),  # the therapist reads and prints; the record leaves through the clinic
        (TherapistFactory(clinic=patient.clinic), 403),
        (patient.user, 403),
        (other_manager, 404),  # another clinic's patient is simply not found
    ):
        client.force_login(user)
        assert client.get(_url(patient)).status_code == status, user
    client.force_login(patient.therapist)
    page = client.get(reverse("portal:patient_detail", kwargs={"pk": patient.pk})).content.decode()
    assert "Export the whole record" not in page
    assert not AuditEvent.objects.filter(action="patient.record_exported").exists()


def test_the_api_gives_the_same_record_to_the_clinics_manager(history):
    patient, _ = history
    manager = ManagerFactory(clinic=patient.clinic)
    url = f"/api/v1/patients/{patient.pk}/record/"

    response = client_for(manager).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    files = _zip(response)
    assert len(_json(files, "sessions.json")) == 3
    assert (
        AuditEvent.objects.filter(action="patient.record_exported", actor=manager, patient=patient).count()
        == 1
    )

    missing = client_for(ManagerFactory()).get(url)
    assert missing.status_code == 404 and set(missing.json()) == {"detail"}
    assert client_for(manager).get("/api/v1/patients/999999/record/").status_code == 404
    assert AuditEvent.objects.filter(action="patient.record_exported").count() == 1


def test_a_patient_without_an_approved_plan_gets_a_record_that_says_why_there_is_no_program(client):
    patient = PatientFactory()
    client.force_login(ManagerFactory(clinic=patient.clinic))
    files = _zip(client.get(_url(patient)))
    assert "program.pdf" not in files
    assert _json(files, "sessions.json") == [] and _json(files, "plans.json") == []
    program = next(f for f in _json(files, "manifest.json")["files"] if f["name"] == "program.pdf")
    assert program["left_out"] == "no approved plan to print"


def test_without_pdfs_on_the_server_the_record_still_comes_and_says_so(client, history, monkeypatch):
    patient, _ = history
    monkeypatch.setattr("printouts.pdf.pdf_unavailable_reason", lambda: "WeasyPrint cannot be loaded: test")
    client.force_login(ManagerFactory(clinic=patient.clinic))
    files = _zip(client.get(_url(patient)))
    assert "program.pdf" not in files and len(_json(files, "sessions.json")) == 3
    program = next(f for f in _json(files, "manifest.json")["files"] if f["name"] == "program.pdf")
    assert "PDFs cannot be made on this server" in program["left_out"]


def test_a_later_feature_adds_its_section_and_the_record_carries_it(history):
    """Questionnaires or messages come as one more Section; nothing else changes."""
    patient, _ = history
    extra = Section("questionnaires.json", "answers", lambda export: [{"patient": export.patient.pk}])
    files = _zip_bytes(
        record_zip(
            patient=patient,
            by=ManagerFactory(clinic=patient.clinic),
            base_url="http://testserver/",
            sections=[*SECTIONS[:1], extra],
        )
    )
    assert set(files) == {"patient.json", "questionnaires.json", "manifest.json"}
    assert _json(files, "questionnaires.json") == [{"patient": patient.pk}]


def test_the_messages_come_along_only_where_the_clinic_lets_managers_read_them(active_plan):
    """The clinic's setting keeps the thread from its managers: the ZIP a manager takes away is
    no way around it, and its manifest says why the messages are not there."""
    from messaging.services import message_send

    patient = active_plan.patient
    secret = "My left knee clicks when I do the bridge"
    message_send(patient=patient, by=patient.user, body=secret, base_url="http://testserver/")
    manager = ManagerFactory(clinic=patient.clinic)
    url = f"/api/v1/patients/{patient.pk}/record/"

    files = _zip_bytes(client_for(manager).get(url).content)
    assert "messages.json" not in files
    assert not any(secret.encode() in content for content in files.values())
    left_out = next(f for f in _json(files, "manifest.json")["files"] if f["name"] == "messages.json")
    assert "does not let its managers read messages" in left_out["left_out"]

    patient.clinic.managers_read_messages = True
    patient.clinic.save(update_fields=["managers_read_messages"])
    files = _zip_bytes(client_for(manager).get(url).content)
    assert [m["body"] for m in _json(files, "messages.json")] == [secret]


def test_the_record_has_the_questionnaire_answers_and_the_treatment_time(active_plan):
    """Both are the patient's health record (the FHIR export carries the answers): a record taken
    away for the patient or another clinic without them is not the whole record."""
    from billing.services import treatment_time_record
    from outcomes.services import response_submit

    patient = active_plan.patient
    other = PatientFactory(therapist=patient.therapist)
    response_submit(patient=patient, code="nprs", answers=[6], today=active_plan.start_date)
    for whose in (patient, other):
        treatment_time_record(
            patient=whose,
            by=patient.therapist,
            day=patient.local_date(),
            minutes=20,
            activity=f"Called {whose.user.first_name} about the pain after bridges.",
            interactive=True,
            by_assistant=False,
        )
    manager = ManagerFactory(clinic=patient.clinic)
    files = _zip_bytes(client_for(manager).get(f"/api/v1/patients/{patient.pk}/record/").content)

    answers = _json(files, "questionnaires.json")
    assert [(a["instrument_code"], a["answers"], a["score"]["value"]) for a in answers] == [
        ("nprs", {"items": [6]}, "6.00")
    ]
    assert answers[0]["questionnaire"].startswith("Pain rating (NPRS)")
    time = _json(files, "treatment_time.json")
    assert [(t["minutes"], t["interactive"], t["activity"]) for t in time] == [
        (20, True, f"Called {patient.user.first_name} about the pain after bridges.")
    ]
    assert time[0]["recorded_by_name"] == str(patient.therapist)


def _zip_bytes(content: bytes) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}


def test_another_patients_data_never_comes_along(client, history, handout_program):
    """The same therapist's other patient, with their own plan, session and alert."""
    patient, _ = history
    other = PatientFactory(therapist=patient.therapist)
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=other,
        template=handout_program,
        start_date=other.local_date() - dt.timedelta(days=2),
        by=other.therapist,
    )
    plan_approve(plan=plan, by=other.therapist)
    session_log(
        patient=other,
        day=other.local_date(),
        pain_before=2,
        pain_after=9,
        symptom_change="worse",
        as_prescribed=True,
    )
    client.force_login(ManagerFactory(clinic=patient.clinic))
    files = _zip(client.get(_url(patient)))
    for name in ("plans.json", "sessions.json", "alerts.json"):
        assert {row["patient_id"] for row in _json(files, name)} == {patient.pk}, name
    assert all(event["patient_id"] in (patient.pk, None) for event in _json(files, "audit.json"))
    assert str(other.user.get_full_name()) not in files["audit.json"].decode()
