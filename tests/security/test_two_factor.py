"""Two-factor login for therapists and managers (issue 21, item 3): enrolment with an
authenticator app, the code step after the password, recovery codes, wrong codes limited like
wrong passwords, the clinic's requirement, and the API's token endpoint."""

import html
import re
from binascii import unhexlify
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import two_factor
from audit.models import AuditEvent
from tests.factories import PASSWORD, ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

ENROL_URL = "/accounts/two-factor/"
CODE_URL = "/accounts/two-factor/code/"
CODES_URL = "/accounts/two-factor/recovery-codes/"
TOKEN_URL = "/api/v1/auth/token/"


def code_for(key: str, ahead: int = 0) -> str:
    """What an authenticator app shows for `key` now (`ahead` steps of 30 s later: a code already
    used for this step is not accepted twice, the next one is, within the allowed tolerance)."""
    return f"{totp(unhexlify(key), step=30, t0=0, digits=6, drift=ahead):06d}"


def enrol(user) -> list[str]:
    """Turns two-factor login on for `user` as the enrolment page does; the recovery codes."""
    key = two_factor.new_secret()
    return two_factor.two_factor_enable(user=user, key=key, code=code_for(key)).recovery_codes


def next_code(user) -> str:
    return code_for(TOTPDevice.objects.get(user=user).key, ahead=1)


def log_in_with_password(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step should pass"
    return response


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


# --- Enrolment -----------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key_and_a_wrong_code_saves_nothing(client, therapist):
    client.force_login(therapist)
    page = client.get(ENROL_URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and 'class="qr-code"' in body  # drawn on the server, inline
    key = client.session["two_factor_pending_key"]
    assert two_factor.secret_for_people(key) in body  # the same key, to type by hand

    wrong = str((int(code_for(key)) + 1) % 1_000_000).zfill(6)
    response = client.post(ENROL_URL, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in text(response)
    assert not TOTPDevice.objects.filter(user=therapist).exists()
    assert not StaticDevice.objects.filter(user=therapist).exists()
    assert not AuditEvent.objects.filter(action="two_factor.enabled").exists()


def test_enrolment_with_a_correct_code_turns_it_on_and_shows_ten_recovery_codes_once(client, therapist):
    client.force_login(therapist)
    client.get(ENROL_URL)
    key = client.session["two_factor_pending_key"]

    response = client.post(ENROL_URL, {"code": code_for(key)})
    assert response.status_code == 302 and response["Location"].startswith(CODES_URL)
    device = TOTPDevice.objects.get(user=therapist)
    assert device.confirmed and device.key == key

    codes_page = client.get(response["Location"])
    codes = re.findall(r"<li>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</li>", codes_page.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(two_factor.recovery_code_digest(code) for code in codes) == sorted(
        StaticToken.objects.filter(device__user=therapist).values_list("token", flat=True)
    )  # the database keeps each code's digest
    assert "Print" in text(codes_page) and "Copy" in text(codes_page)
    # Shown once: coming back does not show them again.
    again = client.get(CODES_URL)
    assert again.status_code == 302 and again["Location"] == ENROL_URL
    # The person who just proved the code is fully logged in, and the page now manages it.
    assert client.get("/portal/").status_code == 200
    assert "Two-factor login is on" in text(client.get(ENROL_URL))
    assert AuditEvent.objects.filter(action="two_factor.enabled", actor=therapist).count() == 1


def test_new_recovery_codes_replace_the_old_ones(client, therapist):
    old = enrol(therapist)
    log_in_with_password(client, therapist)
    client.post(CODE_URL, {"code": next_code(therapist)})
    response = client.post(ENROL_URL, {"action": "renew"})
    codes_page = client.get(response["Location"]).content.decode()
    new = re.findall(r"<li>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</li>", codes_page)
    assert len(new) == 10 and not set(new) & set(old)

    client.post(reverse("logout"))
    log_in_with_password(client, therapist)
    refused = client.post(CODE_URL, {"code": old[0]})
    assert "That code is not right" in text(refused)
    accepted = client.post(CODE_URL, {"code": new[0]})
    assert accepted.status_code == 302


def test_turning_it_off_needs_a_current_code(client, therapist):
    codes = enrol(therapist)
    log_in_with_password(client, therapist)
    client.post(CODE_URL, {"code": codes[0]})

    refused = client.post(ENROL_URL, {"action": "disable", "code": "000000"})
    assert "That code is not right" in text(refused)
    assert TOTPDevice.objects.filter(user=therapist).exists()

    key = TOTPDevice.objects.get(user=therapist).key
    response = client.post(ENROL_URL, {"action": "disable", "code": code_for(key, ahead=1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=therapist).exists()
    assert not StaticDevice.objects.filter(user=therapist).exists()
    assert AuditEvent.objects.filter(action="two_factor.disabled", actor=therapist).exists()


def test_turning_it_off_is_refused_while_the_clinic_requires_it(client, therapist):
    enrol(therapist)
    therapist.clinic.require_two_factor = True
    therapist.clinic.save()
    log_in_with_password(client, therapist)
    client.post(CODE_URL, {"code": next_code(therapist)})
    page = client.get(ENROL_URL)
    assert "cannot be turned off" in text(page)
    response = client.post(
        ENROL_URL, {"action": "disable", "code": code_for(TOTPDevice.objects.get(user=therapist).key)}
    )
    assert "cannot be turned off" in text(response)
    assert TOTPDevice.objects.filter(user=therapist).exists()


# --- The code step after the password ------------------------------------------------------------


def test_after_the_password_a_staff_member_with_a_device_reaches_nothing_until_the_code(client, therapist):
    enrol(therapist)
    patient = PatientFactory(therapist=therapist)
    response = client.post(
        reverse("login"), {"username": therapist.username, "password": PASSWORD, "next": "/portal/"}
    )
    assert response.status_code == 302

    for url in ["/portal/", f"/portal/patients/{patient.pk}/", "/portal/reports/", "/"]:
        page = client.get(url)
        assert page.status_code == 302, url
        assert page["Location"].startswith(CODE_URL), url
    # The browser's half-finished login is not a login to the API either.
    assert client.get("/api/v1/patients/").status_code in (401, 403)

    code_page = client.get(CODE_URL + "?next=/portal/")
    assert "Enter your code" in text(code_page)
    assert "My patients" not in text(code_page)  # no way around it in the menu

    response = client.post(CODE_URL, {"code": next_code(therapist), "next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert client.get("/api/v1/patients/").status_code == 200


def test_a_recovery_code_logs_in_once_and_is_then_used_up(client, therapist):
    codes = enrol(therapist)
    log_in_with_password(client, therapist)
    response = client.post(CODE_URL, {"code": codes[3].upper()}, follow=True)  # as typed, in capitals
    assert response.redirect_chain[0][1] == 302
    assert "You used a recovery code: 9 are left" in text(response)
    assert client.get("/portal/").status_code == 200
    assert two_factor.recovery_codes_left(therapist) == 9
    assert AuditEvent.objects.filter(action="two_factor.recovery_code_used", actor=therapist).exists()

    client.post(reverse("logout"))
    log_in_with_password(client, therapist)
    again = client.post(CODE_URL, {"code": codes[3]})
    assert "That code is not right" in text(again)
    assert client.get("/portal/").status_code == 302


def test_wrong_codes_are_counted_and_lock_the_code_step_like_wrong_passwords(client, therapist, settings):
    enrol(therapist)
    log_in_with_password(client, therapist)
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        response = client.post(CODE_URL, {"code": "not-a-code"})
        left = settings.AXES_FAILURE_LIMIT - attempt
        assert f"That code is not right. {left} more wrong code" in text(response)
    locked = client.post(CODE_URL, {"code": "123456"})
    assert "Too many wrong codes" in text(locked) and "15 minutes" in text(locked)

    # While locked, even the right code is refused, and logging in again does not reset the count.
    client.post(reverse("logout"))
    log_in_with_password(client, therapist)
    refused = client.post(CODE_URL, {"code": next_code(therapist)})
    assert refused.status_code == 429 and "Too many wrong codes" in text(refused)
    assert client.get("/portal/").status_code == 302

    # Once the lock has passed, the right code works.
    TOTPDevice.objects.filter(user=therapist).update(
        throttling_failure_timestamp=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    accepted = client.post(CODE_URL, {"code": next_code(therapist)})
    assert accepted.status_code == 302
    assert client.get("/portal/").status_code == 200
    assert TOTPDevice.objects.get(user=therapist).throttling_failure_count == 0


def test_staff_without_a_device_and_patients_log_in_with_the_password_alone(client, therapist, patient):
    log_in_with_password(client, therapist)
    assert client.get("/portal/").status_code == 200
    client.post(reverse("logout"))
    log_in_with_password(client, patient.user)
    assert client.get("/me/").status_code == 200


# --- The clinic's requirement --------------------------------------------------------------------


def test_the_manager_requires_it_from_the_clinic_settings_and_the_audit_trail_says_so(client, manager):
    client.force_login(manager)
    enrol(manager)  # the manager has already set up their own
    client.logout()
    log_in_with_password(client, manager)
    client.post(CODE_URL, {"code": next_code(manager)})

    colleague = TherapistFactory(clinic=manager.clinic, first_name="Ada", last_name="Zed")
    TherapistFactory(first_name="Not", last_name="Ours")  # another clinic
    page = client.get(reverse("clinic_settings"))
    assert page.status_code == 200 and "Require two-factor login" in text(page)
    assert f"<td>{manager}</td><td>Clinic manager</td><td>On</td>" in text(page)
    assert f"<td>{colleague}</td><td>Therapist</td><td>Not set up</td>" in text(page)
    assert "Not Ours" not in text(page)
    response = client.post(reverse("clinic_settings"), {"require_two_factor": "on"}, follow=True)
    assert "now required" in text(response)
    manager.clinic.refresh_from_db()
    assert manager.clinic.require_two_factor is True

    trail = text(client.get("/portal/audit/"))
    assert "Required two-factor login for the clinic's therapists and managers" in trail

    client.post(reverse("clinic_settings"), {})
    manager.clinic.refresh_from_db()
    assert manager.clinic.require_two_factor is False
    assert "Stopped requiring two-factor login" in text(client.get("/portal/audit/"))
    assert AuditEvent.objects.filter(action="clinic.two_factor_required", clinic=manager.clinic).count() == 2


def test_only_a_manager_changes_the_clinic_setting(client, therapist):
    client.force_login(therapist)
    assert client.post(reverse("clinic_settings"), {"require_two_factor": "on"}).status_code == 403
    therapist.clinic.refresh_from_db()
    assert therapist.clinic.require_two_factor is False


def test_when_required_staff_without_a_device_are_sent_to_enrolment_and_reach_nothing_else(client, therapist):
    therapist.clinic.require_two_factor = True
    therapist.clinic.save()
    patient = PatientFactory(therapist=therapist)
    log_in_with_password(client, therapist)

    for url in ["/", "/portal/", f"/portal/patients/{patient.pk}/", "/portal/alerts/", "/portal/reports/"]:
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(ENROL_URL), url
    page = client.get(ENROL_URL)
    assert "Your clinic requires two-factor login" in text(page)
    assert client.get("/api/v1/patients/").status_code in (401, 403)

    client.post(ENROL_URL, {"code": code_for(client.session["two_factor_pending_key"])})
    assert client.get("/portal/").status_code == 200
    # Logging out always works.
    assert client.post(reverse("logout")).status_code == 302


def test_the_requirement_leaves_another_clinic_and_patients_alone(client, therapist, patient):
    therapist.clinic.require_two_factor = True
    therapist.clinic.save()
    other = TherapistFactory()  # another clinic
    log_in_with_password(client, other)
    assert client.get("/portal/").status_code == 200
    client.post(reverse("logout"))

    log_in_with_password(client, patient.user)
    assert client.get("/me/").status_code == 200
    assert client.get(ENROL_URL).status_code == 403  # not a page for patients


def test_a_manager_who_requires_it_without_a_device_sets_one_up_next(client):
    manager = ManagerFactory()
    client.force_login(manager)
    client.post(reverse("clinic_settings"), {"require_two_factor": "on"})
    response = client.get(reverse("clinic_settings"))
    assert response.status_code == 302 and response["Location"].startswith(ENROL_URL)


# --- The API's token endpoint --------------------------------------------------------------------


def test_the_api_token_needs_a_current_code_from_an_enrolled_staff_member(therapist):
    codes = enrol(therapist)
    api = APIClient()
    credentials = {"username": therapist.username, "password": PASSWORD}

    missing = api.post(TOKEN_URL, credentials, format="json")
    assert missing.status_code == 400
    assert "two-factor login" in missing.json()["otp"][0]

    wrong = api.post(TOKEN_URL, {**credentials, "otp": "000000"}, format="json")
    assert wrong.status_code == 400 and "That code is not right" in wrong.json()["otp"][0]

    right = api.post(TOKEN_URL, {**credentials, "otp": next_code(therapist)}, format="json")
    assert right.status_code == 200 and right.json()["token"]

    with_recovery = api.post(TOKEN_URL, {**credentials, "otp": codes[0]}, format="json")
    assert with_recovery.status_code == 200
    assert two_factor.recovery_codes_left(therapist) == 9


def test_the_api_token_of_patients_and_staff_without_a_device_needs_no_code(therapist, patient):
    api = APIClient()
    for user in (therapist, patient.user):
        response = api.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
        assert response.status_code == 200, user


def test_the_token_schema_documents_the_otp_field(client):
    schema = client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["TokenRequest"]["properties"]
    assert "otp" in fields
