"""The patient's reminder settings page and API, and what the therapist sees."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reminders.models import ReminderSettings


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


def test_the_patient_chooses_a_time_and_days(patient_client, patient):
    page = patient_client.get(reverse("reminders:settings"))
    assert page.status_code == 200
    answer = patient_client.post(
        reverse("reminders:settings"),
        {"time": "18:00", "days": ["0", "1", "2", "3", "4"], "second_nudge": "on"},
    )
    assert answer.status_code == 302
    settings = ReminderSettings.objects.get(patient=patient)
    assert (settings.time, settings.weekdays, settings.second_nudge) == (dt.time(18), [0, 1, 2, 3, 4], True)
    assert AuditEvent.objects.filter(action="reminders.turned_on", patient=patient).count() == 1
    patient_client.post(reverse("reminders:settings"), {"time": "", "days": ["0"]})
    assert not ReminderSettings.objects.get(patient=patient).is_on
    assert AuditEvent.objects.filter(action="reminders.turned_off", patient=patient).count() == 1


def test_a_time_without_a_day_is_refused_and_changes_nothing(patient_client, patient):
    answer = patient_client.post(reverse("reminders:settings"), {"time": "18:00"})
    assert answer.status_code == 200
    assert "Choose at least one day" in answer.content.decode()
    assert not ReminderSettings.objects.filter(patient=patient).exists()


def test_the_menu_links_to_it(patient_client):
    assert reverse("reminders:settings") in patient_client.get(reverse("own_email")).content.decode()


def test_the_therapist_sees_whether_reminders_are_on(client, patient):
    from reminders.services import reminder_settings_change

    client.force_login(patient.therapist)
    url = reverse("portal:patient_detail", args=[patient.pk])
    assert "Reminders off" in client.get(url).content.decode()
    reminder_settings_change(
        patient=patient, by=patient.user, time=dt.time(18), days=[0, 1, 2, 3, 4], second_nudge=False
    )
    assert "Reminders on at 18:00, Monday to Friday" in client.get(url).content.decode()


def test_the_api_reads_and_changes_the_patients_own_settings(patient):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(patient.user)
    assert api.get("/api/v1/me/reminders/").json() == {
        "on": False,
        "time": None,
        "days": [0, 1, 2, 3, 4, 5, 6],
        "second_nudge": False,
    }
    answer = api.patch("/api/v1/me/reminders/", {"time": "07:30", "days": [5, 6]}, format="json")
    assert answer.json() == {"on": True, "time": "07:30", "days": [5, 6], "second_nudge": False}
    bad = api.patch("/api/v1/me/reminders/", {"days": [9]}, format="json")
    assert bad.status_code == 400
    late = api.patch("/api/v1/me/reminders/", {"time": "25:00"}, format="json")
    assert late.json() == {"time": ["Give the time as hours and minutes, such as 18:00."]}
    zoned = api.patch("/api/v1/me/reminders/", {"time": "18:00:00Z"}, format="json")
    assert zoned.status_code == 400
    assert api.patch("/api/v1/me/reminders/", {"time": "07:30", "days": []}, format="json").json() == {
        "days": ["Choose at least one day for the reminder."]
    }
    assert ReminderSettings.objects.get(patient=patient).weekdays == [5, 6]
    therapist = APIClient()
    therapist.force_authenticate(patient.therapist)
    shown = therapist.get(f"/api/v1/patients/{patient.pk}/").json()["reminders"]
    assert shown["on"] is True and shown["time"] == "07:30"
