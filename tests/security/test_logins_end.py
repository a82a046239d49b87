"""Every login of a person ends together: a new password (changed or reset), a deactivated
account, or "log out everywhere" ends each of their API tokens and web sessions at once.
The phone is lost, the password leaked, the person has left: nothing of theirs keeps working."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from accounts.services import EndReason, device_token_create, end_all_sessions
from audit.models import AuditEvent
from tests.factories import PASSWORD, ManagerFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = reverse("patients:today")
NEW_PASSWORD = "a-completely-new-passphrase"


class Logins:
    """A person logged in on two phones (API) and in two browsers."""

    def __init__(self, user, home: str):
        self.user, self.home = user, home
        self.tokens = [device_token_create(user=user, name=name)[1] for name in ("Phone", "Tablet")]
        self.browsers = []
        for _ in range(2):
            browser = Client()
            assert browser.login(username=user.username, password=PASSWORD)
            self.browsers.append(browser)
        assert self.working() == [True, True, True, True]

    def api(self, token: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    def working(self) -> list[bool]:
        phones = [self.api(token).get("/api/v1/auth/devices/").status_code == 200 for token in self.tokens]
        browsers = [browser.get(self.home).status_code == 200 for browser in self.browsers]
        return phones + browsers


@pytest.fixture
def patient_logins(active_plan):
    return Logins(active_plan.patient.user, TODAY)


def test_changing_the_password_on_the_web_ends_every_other_login(patient_logins):
    browser = patient_logins.browsers[0]
    changed = browser.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302

    # This browser stays logged in; the other browser and both phones are logged out.
    assert patient_logins.working() == [False, False, True, False]
    assert not DeviceToken.objects.filter(user=patient_logins.user).exists()


def test_a_wrong_old_password_changes_nothing_and_ends_nothing(patient_logins):
    answer = patient_logins.browsers[0].post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer.status_code == 200
    assert "Your old password was entered incorrectly" in answer.content.decode()
    assert patient_logins.working() == [True, True, True, True]


def test_resetting_the_password_from_the_emailed_link_ends_every_login(patient_logins):
    user = patient_logins.user
    user.refresh_from_db()  # the reset link is made from the last login
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    stranger = Client()
    page = stranger.get(
        reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)]), follow=True
    )
    stranger.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert patient_logins.working() == [False, False, False, False]
    assert stranger.get(TODAY).status_code == 200  # the one who chose the password is logged in
    assert Client().login(username=user.username, password=NEW_PASSWORD)


def test_deactivating_an_account_in_the_admin_ends_every_login(admin_client):
    therapist = TherapistFactory()
    logins = Logins(therapist, reverse("portal:caseload"))
    change_url = reverse("admin:accounts_user_change", args=[therapist.pk])
    form = admin_client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "date_joined_0": therapist.date_joined.date().isoformat(),
            "date_joined_1": "12:00:00",
            "clinic": therapist.clinic_id,
            "groups": [],
            "user_permissions": [],
        }
    )
    data.pop("is_active")
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data.pop("password", None)

    saved = admin_client.post(change_url, data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    therapist.refresh_from_db()
    assert not therapist.is_active
    assert logins.working() == [False, False, False, False]
    assert not DeviceToken.objects.filter(user=therapist).exists()


def test_a_new_password_set_in_the_admin_ends_every_login(admin_client):
    manager = ManagerFactory()
    logins = Logins(manager, reverse("reports:index"))
    saved = admin_client.post(
        reverse("admin:auth_user_password_change", args=[manager.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert saved.status_code == 302
    assert logins.working() == [False, False, False, False]
    # The operator who did it is still logged in.
    assert admin_client.get(reverse("admin:index")).status_code == 200


def test_an_operator_changing_their_own_password_in_the_admin_stays_logged_in():
    operator = UserFactory(clinic=None, role="", is_superuser=True, is_staff=True)
    admin = Client()
    admin.force_login(operator)
    saved = admin.post(
        reverse("admin:auth_user_password_change", args=[operator.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert saved.status_code == 302
    assert admin.get(reverse("admin:index")).status_code == 200


def test_log_out_everywhere_asks_first_then_ends_every_login_this_one_too(patient_logins):
    browser = patient_logins.browsers[0]
    asked = browser.get(reverse("log_out_everywhere"))
    assert asked.status_code == 200
    assert "Yes, log out everywhere" in asked.content.decode()
    assert patient_logins.working() == [True, True, True, True]  # asking changed nothing

    done = browser.post(reverse("log_out_everywhere"))

    assert done.status_code == 302 and done.url == reverse("login")
    assert patient_logins.working() == [False, False, False, False]


def test_log_out_everywhere_needs_the_csrf_token(patient_logins):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient_logins.user)
    assert browser.post(reverse("log_out_everywhere")).status_code == 403
    assert patient_logins.working() == [True, True, True, True]


def test_ending_all_logins_is_in_the_clinics_audit_trail(patient_logins):
    user = patient_logins.user
    end_all_sessions(user=user, by=user, reason=EndReason.LOG_OUT_EVERYWHERE)

    event = AuditEvent.objects.get(action="account.sessions_ended")
    assert (event.actor, event.clinic, event.patient) == (user, user.clinic, user.patient)
    assert event.data["devices"] == 2
    manager = Client()
    manager.force_login(ManagerFactory(clinic=user.clinic))
    trail = manager.get("/portal/audit/").content.decode()
    assert f"Logged {user.get_full_name()} out of every browser and device" in trail


def test_sessions_from_before_the_epoch_existed_stay_valid():
    """Deploying this change logs nobody out: at epoch 0 the session hash is Django's own."""
    user = UserFactory()
    djangos = salted_hmac(
        "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", user.password, algorithm="sha256"
    ).hexdigest()
    assert user.get_session_auth_hash() == djangos
    end_all_sessions(user=user, by=None, reason=EndReason.DEACTIVATED)
    assert user.session_epoch == 1
    assert user.get_session_auth_hash() != djangos


# --- The "Your devices" page -----------------------------------------------------------------


def test_the_devices_page_lists_ones_own_devices_and_ends_one(patient_logins, therapist):
    device_token_create(user=therapist, name="Therapist's desk")
    browser = patient_logins.browsers[0]
    page = browser.get(reverse("devices")).content.decode()
    assert "Phone" in page and "Tablet" in page and "Therapist's desk" not in page
    assert "Your devices" in browser.get(TODAY).content.decode()  # in the menu

    tablet = DeviceToken.objects.get(user=patient_logins.user, name="Tablet")
    ended = browser.post(reverse("device_end", args=[tablet.pk]), follow=True)

    assert "That device is logged out" in ended.content.decode()
    assert patient_logins.working() == [True, False, True, True]


def test_nobody_ends_another_persons_device_from_the_page(patient_logins, therapist):
    desk = device_token_create(user=therapist, name="Desk")[0]
    assert patient_logins.browsers[0].post(reverse("device_end", args=[desk.pk])).status_code == 404
    assert DeviceToken.objects.filter(pk=desk.pk).exists()


def test_staff_reach_their_devices_page_too(therapist):
    browser = Client()
    browser.force_login(therapist)
    home = browser.get(reverse("portal:caseload")).content.decode()
    assert reverse("devices") in home
    assert browser.get(reverse("devices")).status_code == 200
