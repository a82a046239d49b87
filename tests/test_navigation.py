"""The shared navbar: each role finds its places, and the page shown is marked as current."""

import re

import pytest
from django.urls import reverse

from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def nav_links(response) -> list[tuple[str, str, str | None]]:
    """(label, href, aria-current) of each link in the main navigation's list."""
    html = response.content.decode()
    nav = html[html.index('id="main-nav"') : html.index("</ul>", html.index('id="main-nav"'))]
    links = []
    for attrs, label in re.findall(r'<a class="nav-link[^"]*"([^>]*)>([^<]+)</a>', nav):
        href = re.search(r'href="([^"]+)"', attrs).group(1)
        current = re.search(r'aria-current="([^"]+)"', attrs)
        links.append((label.strip(), href, current.group(1) if current else None))
    return links


def test_a_therapist_has_my_patients_reports_and_add_a_patient(client):
    therapist = TherapistFactory()
    client.force_login(therapist)
    caseload = nav_links(client.get(reverse("portal:caseload")))
    assert caseload == [
        ("My patients", reverse("portal:caseload"), "page"),
        ("Alerts", reverse("portal:alert_list"), None),
        ("Reports", reverse("reports:index"), None),
        ("Add a patient", reverse("portal:patient_add"), None),
        ("Exercises", reverse("library:exercise_list"), None),
        ("Programs", reverse("library:program_list"), None),
    ]
    for url, marks in [
        (reverse("portal:alert_list"), [None, "page", None, None, None, None]),
        (reverse("reports:index"), [None, None, "page", None, None, None]),
        (reverse("portal:patient_add"), [None, None, None, "page", None, None]),
        (reverse("library:exercise_list"), [None, None, None, None, "page", None]),
        (reverse("library:exercise_add"), [None, None, None, None, "true", None]),
        (reverse("library:program_list"), [None, None, None, None, None, "page"]),
        (reverse("library:program_add"), [None, None, None, None, None, "true"]),
    ]:
        assert [current for *_, current in nav_links(client.get(url))] == marks, url
    patient = PatientFactory(therapist=therapist, clinic=therapist.clinic)
    detail = nav_links(client.get(reverse("portal:patient_detail", kwargs={"pk": patient.pk})))
    assert detail[0] == ("My patients", reverse("portal:caseload"), "true")  # a page within the section


def test_a_manager_has_reports_and_the_audit_trail(client):
    client.force_login(ManagerFactory())
    assert nav_links(client.get(reverse("reports:index"))) == [
        ("Reports", reverse("reports:index"), "page"),
        ("Alerts", reverse("portal:alert_list"), None),
        ("Audit trail", reverse("audit:list"), None),
        ("Exercises", reverse("library:exercise_list"), None),
        ("Programs", reverse("library:program_list"), None),
        ("Clinic settings", reverse("clinic_settings"), None),
    ]
    assert [current for *_, current in nav_links(client.get(reverse("audit:list")))] == [
        None,
        None,
        "page",
        None,
        None,
        None,
    ]
    assert [current for *_, current in nav_links(client.get(reverse("portal:alert_list")))] == [
        None,
        "page",
        None,
        None,
        None,
        None,
    ]
    assert [current for *_, current in nav_links(client.get(reverse("library:program_list")))] == [
        None,
        None,
        None,
        None,
        "page",
        None,
    ]
    assert [current for *_, current in nav_links(client.get(reverse("clinic_settings")))] == [
        None,
        None,
        None,
        None,
        None,
        "page",
    ]


def test_a_patient_has_today_log_a_session_and_my_progress(client):
    patient = PatientFactory()
    client.force_login(patient.user)
    assert nav_links(client.get(reverse("patients:progress"))) == [
        ("Today", reverse("patients:today"), None),
        ("Log a session", reverse("patients:log"), None),
        ("My progress", reverse("patients:progress"), "page"),
        ("Messages", reverse("messaging:thread"), None),
    ]
    assert [current for *_, current in nav_links(client.get(reverse("patients:today")))] == [
        "page",
        None,
        None,
        None,
    ]
    assert nav_links(client.get(reverse("messaging:thread")))[-1] == (
        "Messages",
        reverse("messaging:thread"),
        "page",
    )
