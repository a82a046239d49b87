import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from .factories import PASSWORD, ManagerFactory, PatientFactory, TherapistFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_user", "lands_on"),
    [
        (lambda: TherapistFactory(), "/portal/"),
        (lambda: ManagerFactory(), "/portal/reports/"),
        (lambda: PatientFactory().user, "/me/"),
        (lambda: UserFactory(clinic=None, role="", is_superuser=True, is_staff=True), "/admin/"),
    ],
    ids=["therapist", "manager", "patient", "superuser"],
)
def test_each_role_lands_on_its_own_home_page(client, make_user, lands_on):
    user = make_user()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == lands_on
    assert response.status_code == 200


@pytest.mark.django_db
def test_pages_require_login(client):
    for url in ["/", "/portal/", "/me/", "/portal/reports/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_wrong_password_says_so_and_logs_nobody_in(client):
    user = TherapistFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_ends_the_session(client):
    client.force_login(TherapistFactory())
    client.post(reverse("logout"))
    assert client.get("/portal/").status_code == 302


@pytest.mark.django_db
def test_password_reset_sends_a_link_by_mail(client, mailoutbox):
    user = TherapistFactory(email="dana@example.org")
    response = client.post(reverse("password_reset"), {"email": "dana@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert user.username in mailoutbox[0].body
    assert "/accounts/reset/" in mailoutbox[0].body


@pytest.mark.django_db
def test_admin_lists_work_for_superusers(admin_client, active_plan):
    from accounts.services import device_token_create

    device, _token = device_token_create(user=active_plan.patient.user, name="Phone")
    for url in [
        f"/admin/accounts/devicetoken/{device.pk}/change/",
        "/admin/accounts/user/",
        "/admin/accounts/clinic/",
        "/admin/accounts/devicetoken/",
        "/admin/exercises/exercise/",
        "/admin/exercises/programtemplate/",
        "/admin/patients/patient/",
        "/admin/patients/plan/",
        "/admin/patients/sessionlog/",
        "/admin/patients/alert/",
        "/admin/audit/auditevent/",
        f"/admin/patients/plan/{active_plan.pk}/change/",
        "/admin/patients/patient/?q=" + active_plan.patient.user.last_name,
    ]:
        assert admin_client.get(url).status_code == 200, url


def _run_settings(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "backcare.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_settings({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_starts_with_its_default_key():
    assert _run_settings({"DEBUG": "true"}).returncode == 0
