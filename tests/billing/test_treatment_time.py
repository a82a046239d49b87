"""Therapists record treatment-management time from the patient's page: validated, audited in
words, listed on the page; nobody else can."""

import datetime as dt

import pytest

from audit.describe import Names, describe
from audit.models import AuditEvent
from billing.models import TreatmentTime
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def url(patient):
    return f"/portal/rtm/patients/{patient.pk}/time/"


def form(**changes):
    data = {
        "day": "2026-03-10",
        "minutes": "25",
        "activity": "Reviewed two weeks of logs; called about the pain after bridges.",
        "interactive": "on",
        "performed_by": "Mia Hart",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_therapist_records_time_and_sees_it_on_the_patients_page(client, patient):
    client.force_login(patient.therapist)
    response = client.post(url(patient), form())
    assert response.status_code == 302
    entry = TreatmentTime.objects.get(patient=patient)
    assert (entry.day, entry.minutes, entry.interactive, entry.by_assistant) == (
        dt.date(2026, 3, 10),
        25,
        True,
        False,
    )
    assert entry.recorded_by == patient.therapist
    page = client.get(f"/portal/patients/{patient.pk}/").content.decode()
    assert "Reviewed two weeks of logs" in page and "Mia Hart" in page


def test_an_assistants_time_is_marked_for_cq_and_audited_in_words(client, patient):
    patient.user.first_name, patient.user.last_name = "Sam", "Taylor"
    patient.user.save()
    client.force_login(patient.therapist)
    client.post(url(patient), form(interactive=None, by_assistant="on", performed_by="Jo Lee", minutes="12"))
    event = AuditEvent.objects.get(action="rtm.time_recorded")
    assert event.patient == patient and event.clinic == patient.clinic
    words = str(describe(event, Names()))
    assert words.startswith("Recorded 12 minutes of treatment management for Sam Taylor on 10 Mar 2026")
    assert "Jo Lee (an assistant)" in words and "real-time" not in words
    page = client.get(f"/portal/patients/{patient.pk}/").content.decode()
    assert "assistant (CQ)" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"minutes": "0"}, "minutes", "1"),
        ({"minutes": "241"}, "minutes", "240"),
        ({"minutes": "ten"}, "minutes", "number"),
        ({"day": "2999-01-01"}, "day", "future"),
        ({"day": "0026-03-10"}, "day", "2000"),  # a year typed short: no RTM report can ever show it
        ({"day": "31/02/2026"}, "day", "date"),
        ({"activity": "   "}, "activity", "required"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, patient, changes, field, message):
    client.force_login(patient.therapist)
    response = client.post(url(patient), form(**changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not TreatmentTime.objects.exists()
    assert not AuditEvent.objects.filter(action="rtm.time_recorded").exists()


def test_tomorrow_in_the_clinic_is_not_the_future_when_it_is_today_for_the_patient(client, patient):
    today = patient.local_date()
    client.force_login(patient.therapist)
    assert client.post(url(patient), form(day=today.isoformat())).status_code == 302
    tomorrow = today + dt.timedelta(days=2)
    assert client.post(url(patient), form(day=tomorrow.isoformat())).status_code == 400


@pytest.mark.parametrize("who", ["colleague", "other_clinic", "manager", "patient"])
def test_only_the_patients_own_therapist_records_time(client, patient, who):
    user = {
        "colleague": lambda: TherapistFactory(clinic=patient.clinic),
        "other_clinic": lambda: TherapistFactory(),
        "manager": lambda: ManagerFactory(clinic=patient.clinic),
        "patient": lambda: PatientFactory(therapist=patient.therapist).user,
    }[who]()
    client.force_login(user)
    response = client.post(url(patient), form())
    assert response.status_code in (403, 404)
    assert client.get(url(patient)).status_code in (403, 404)
    assert not TreatmentTime.objects.exists()


def test_the_manager_reads_the_time_on_the_patients_page_without_the_button(client, patient):
    TreatmentTime.objects.create(
        patient=patient,
        day=dt.date(2026, 3, 3),
        minutes=15,
        performed_by="Mia",
        activity="Call",
        recorded_by=patient.therapist,
    )
    client.force_login(ManagerFactory(clinic=patient.clinic))
    page = client.get(f"/portal/patients/{patient.pk}/").content.decode()
    assert "Treatment-management time (RTM)" in page and "Call" in page
    assert url(patient) not in page
