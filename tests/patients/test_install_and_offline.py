"""The patient pages install to the home screen (a web app manifest), and a session kept on the
phone while offline can be sent later with a fresh CSRF token, only by the patient who kept it."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

MANIFEST_URL = reverse("patients:manifest")
TOKEN_URL = reverse("patients:log_token")


def test_the_manifest_is_served_to_anyone_with_its_content_type(client):
    response = client.get(MANIFEST_URL)  # browsers fetch it without the login cookie
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/me/", "/me/", "standalone")
    assert manifest["name"] == "BackCare: my exercises" and manifest["theme_color"] == "#0b5563"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_every_icon_of_the_manifest_is_a_file_of_the_project(client):
    for icon in json.loads(client.get(MANIFEST_URL).content)["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        if icon["type"] == "image/png":
            with open(path, "rb") as png:
                header = png.read(24)
            width, height = int.from_bytes(header[16:20]), int.from_bytes(header[20:24])
            assert header[:8] == b"\x89PNG\r\n\x1a\n" and f"{width}x{height}" == icon["sizes"]


@pytest.mark.parametrize("url_name", ["patients:today", "patients:log", "patients:progress"])
def test_the_patient_pages_link_the_manifest_and_load_the_offline_script_from_a_file(
    client, active_plan, url_name
):
    client.login(username=active_plan.patient.user.username, password=PASSWORD)
    html = client.get(reverse(url_name)).content.decode()
    assert f'<link rel="manifest" href="{MANIFEST_URL}">' in html
    assert "patients/offline_log.js" in html
    assert 'data-text-waiting="Saved on this phone. It will be sent when you are back online."' in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert all("src=" in tag for tag in scripts)  # no inline script (the CSP forbids them)
    assert "style=" not in html


def test_the_token_is_fresh_and_says_whose_login_it_is(client, active_plan):
    user = active_plan.patient.user
    client.login(username=user.username, password=PASSWORD)
    response = client.get(TOKEN_URL)
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["user"] == user.pk and body["csrf_token"]


def test_a_login_that_ended_answers_401_rather_than_a_redirect(client, active_plan):
    response = client.get(TOKEN_URL)
    assert response.status_code == 401 and response.json() == {"logged_in": False}


def test_a_kept_session_sent_later_with_the_fresh_token_is_stored(active_plan):
    """What offline_log.js does: a token from /me/log/token/, then one POST to the sessions API
    with the day written in it, through a browser login (CSRF enforced)."""
    from django.test import Client

    from patients.models import SessionLog

    client = Client(enforce_csrf_checks=True)
    client.login(username=active_plan.patient.user.username, password=PASSWORD)
    day = active_plan.patient.local_date()
    body = {
        "date": day.isoformat(),
        "pain_before": 5,
        "pain_after": 4,
        "symptom_change": "same",
        "as_prescribed": True,
    }
    refused = client.post("/api/v1/sessions/", body, content_type="application/json")
    assert refused.status_code == 403  # without the token
    token = client.get(TOKEN_URL).json()["csrf_token"]
    for _ in range(2):  # sent again after a lost answer: the same day is edited, never doubled
        response = client.post(
            "/api/v1/sessions/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
        )
        assert response.status_code in (200, 201)
    assert list(SessionLog.objects.values_list("date", "pain_before", "exercises_done")) == [(day, 5, 3)]


SERVICE_WORKER_URL = reverse("patients:service_worker")


def test_the_service_worker_is_served_to_anyone_from_the_patient_pages(client):
    assert SERVICE_WORKER_URL == "/me/sw.js"  # its scope is /me/: no Service-Worker-Allowed needed
    response = client.get(SERVICE_WORKER_URL)  # the browser fetches it without asking for a login
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert not response.has_header("Service-Worker-Allowed")
    source = response.content.decode()
    assert 'var STATIC_URL = "/static/";' in source and "__STATIC_URL__" not in source
    assert client.post(SERVICE_WORKER_URL).status_code == 405


def test_the_patient_pages_register_the_worker_with_its_scope_and_the_login_page_forgets_them(
    client, patient
):
    assert client.get(reverse("login")).content.count(b"patients/forget_pages.js") == 1
    client.login(username=patient.user.username, password=PASSWORD)
    page = client.get(reverse("patients:log")).content.decode()
    assert re.search(
        r'<script src="[^"]*patients/sw_register\.js" data-sw-url="/me/sw\.js" data-scope="/me/"', page
    )
