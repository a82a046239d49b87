"""What was left after two-factor login was built (issue 21, item 3): recovery codes were kept in the
database as they were shown, and a staff member who lost both their phone and their codes could be
let in again only by a site operator. Now the database keeps a digest of each code, and the
clinic's manager resets a staff member's two-factor login, audited, from the clinic settings."""

import html
import importlib
import re
from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import DeviceToken
from accounts.services import device_token_create
from audit.models import AuditEvent
from tests.factories import PASSWORD, ManagerFactory, TherapistFactory

pytestmark = pytest.mark.django_db

CODE_URL = "/accounts/two-factor/code/"
SETTINGS_URL = "/portal/clinic/"


def code_for(key: str, ahead: int = 0) -> str:
    return f"{totp(unhexlify(key), step=30, t0=0, digits=6, drift=ahead):06d}"


def enrol(user) -> list[str]:
    key = two_factor.new_secret()
    return two_factor.two_factor_enable(user=user, key=key, code=code_for(key)).recovery_codes


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def reset_url(person) -> str:
    return reverse("two_factor_reset", kwargs={"pk": person.pk})


def log_in_verified(client, user) -> None:
    """Logged in past both steps, as after the password and a code."""
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()


def log_in_with_password(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


# --- Recovery codes at rest ------------------------------------------------------------------------


def test_the_database_never_holds_a_recovery_code_as_it_was_shown(therapist):
    codes = enrol(therapist)
    stored = set(StaticToken.objects.filter(device__user=therapist).values_list("token", flat=True))
    assert len(stored) == 10
    typed = {code.replace("-", "") for code in codes}
    assert not stored & typed, "a code is readable in the table"
    assert not any(code in token or token in code for token in stored for code in typed)


def test_a_recovery_code_is_80_random_bits_in_groups_of_four_and_works_however_it_is_typed(client, therapist):
    codes = enrol(therapist)
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code) for code in codes)
    assert len(set(codes)) == 10

    log_in_with_password(client, therapist)
    typed = codes[0].replace("-", " ").upper()  # spaces instead of dashes, in capitals
    response = client.post(CODE_URL, {"code": typed}, follow=True)
    assert "You used a recovery code: 9 are left" in text(response)
    assert client.get("/portal/").status_code == 200


def test_a_digest_read_from_the_table_is_not_a_code(client, therapist):
    enrol(therapist)
    stolen = StaticToken.objects.filter(device__user=therapist).values_list("token", flat=True).first()
    log_in_with_password(client, therapist)
    response = client.post(CODE_URL, {"code": stolen})
    assert "That code is not right" in text(response)
    assert client.get("/portal/").status_code == 302


def test_codes_made_before_the_digests_keep_working_after_the_migration(client, therapist):
    """A code kept as shown (8 characters, as django-otp made them) turns into its digest."""
    enrol(therapist)
    device = StaticDevice.objects.get(user=therapist)
    device.token_set.all().delete()
    StaticToken.objects.create(device=device, token="k7dq2mxa")

    migration = importlib.import_module("accounts.migrations.0008_recovery_codes_stored_as_digests")
    from django.apps import apps

    migration.store_digests(apps, None)
    assert StaticToken.objects.get(device=device).token == two_factor.recovery_code_digest("k7dq2mxa")

    log_in_with_password(client, therapist)
    response = client.post(CODE_URL, {"code": "K7DQ2MXA"}, follow=True)
    assert "You used a recovery code: 0 are left" in text(response)


# --- A manager resets a staff member's two-factor login ------------------------------------------


@pytest.fixture
def lost_phone(therapist):
    """A therapist with two-factor login, logged in on a browser and with an API token."""
    therapist.email = "ashley@clinic.example.org"
    therapist.save(update_fields=["email"])
    enrol(therapist)
    device_token_create(user=therapist, name="Lost phone")
    return therapist


def test_the_clinic_settings_offer_a_reset_for_staff_who_have_two_factor_login(client, manager, lost_phone):
    other = TherapistFactory(clinic=manager.clinic, first_name="Noor", last_name="Without")
    enrol(manager)
    log_in_verified(client, manager)

    page = text(client.get(SETTINGS_URL))
    assert f"Reset two-factor login for {lost_phone}" in page
    assert f"two-factor login for {other}" not in page  # nothing to reset
    assert f"two-factor login for {manager}" not in page  # their own is on their own page


def test_a_manager_resets_a_therapist_who_lost_their_phone(
    client, manager, lost_phone, mailoutbox, django_capture_on_commit_callbacks
):
    therapist_browser = client.__class__()
    log_in_verified(therapist_browser, lost_phone)
    assert therapist_browser.get("/portal/").status_code == 200
    client.force_login(manager)

    confirm = client.get(reset_url(lost_phone))
    assert confirm.status_code == 200
    assert "logged out of every browser and device" in text(confirm)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reset_url(lost_phone), follow=True)
    assert f"Two-factor login is reset for {lost_phone}" in text(response)
    assert not TOTPDevice.objects.filter(user=lost_phone).exists()
    assert not StaticDevice.objects.filter(user=lost_phone).exists()
    assert not DeviceToken.objects.filter(user=lost_phone).exists(), "the lost phone's API token still works"
    assert therapist_browser.get("/portal/")["Location"].startswith("/accounts/login/")

    event = AuditEvent.objects.get(action="two_factor.reset")
    assert (event.actor, event.object_id, event.clinic) == (manager, str(lost_phone.pk), manager.clinic)
    trail = text(client.get("/portal/audit/"))
    assert f"Reset two-factor login for {lost_phone}" in trail

    (mail,) = mailoutbox
    assert mail.to == [lost_phone.email]
    assert manager.get_full_name() in mail.body
    assert "no longer work" in mail.body

    # Their next login takes the password alone.
    fresh = client.__class__()
    log_in_with_password(fresh, lost_phone)
    assert fresh.get("/portal/").status_code == 200


def test_where_the_clinic_requires_it_the_next_login_sets_up_a_new_app(
    client, manager, lost_phone, mailoutbox, django_capture_on_commit_callbacks
):
    clinic = manager.clinic
    clinic.require_two_factor = True
    clinic.save(update_fields=["require_two_factor"])
    with django_capture_on_commit_callbacks(execute=True):
        two_factor.two_factor_reset(person_pk=lost_phone.pk, by=manager)

    log_in_with_password(client, lost_phone)
    assert client.get("/portal/")["Location"].startswith("/accounts/two-factor/")
    assert "set it up again" in mailoutbox[0].body


@pytest.mark.parametrize("who", ["therapist", "other clinic's manager", "patient", "themselves"])
def test_only_a_manager_of_their_clinic_resets_someone_else(client, lost_phone, patient, who):
    actor = {
        "therapist": lambda: TherapistFactory(clinic=lost_phone.clinic),
        "other clinic's manager": lambda: ManagerFactory(),
        "patient": lambda: patient.user,
        "themselves": lambda: lost_phone,
    }[who]()
    if who == "themselves":
        log_in_verified(client, actor)
    else:
        client.force_login(actor)
    assert client.post(reset_url(lost_phone)).status_code in (403, 404)
    with pytest.raises(two_factor.ValidationError, match="Only a manager of the person's clinic"):
        two_factor.two_factor_reset(person_pk=lost_phone.pk, by=actor)
    assert TOTPDevice.objects.filter(user=lost_phone).exists()
    assert not AuditEvent.objects.filter(action="two_factor.reset").exists()


def test_a_manager_cannot_reset_a_patient_or_their_own_through_the_reset(client, manager, patient):
    enrol(manager)
    log_in_verified(client, manager)
    assert client.get(reset_url(patient.user)).status_code == 404
    assert client.get(reset_url(manager)).status_code == 404


def test_resetting_someone_without_two_factor_login_changes_nothing(client, manager, therapist):
    client.force_login(manager)
    assert "there is nothing to reset" in text(client.get(reset_url(therapist)))
    response = client.post(reset_url(therapist), follow=True)
    assert "there is nothing to reset" in text(response)
    assert not AuditEvent.objects.filter(action__in=["two_factor.reset", "account.sessions_ended"]).exists()
