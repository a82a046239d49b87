"""Bad input on the account forms: a clear 4xx or form error, and nothing changes."""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, TherapistFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_an_oversized_body_answers_a_clear_400(client):
    user = TherapistFactory()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, "note": "x" * 1_200_000})
    assert response.status_code == 400
    page = response.content.decode()
    assert "We could not accept that request" in page
    assert "nothing was saved" in page
    assert "_auth_user_id" not in client.session


def test_a_form_without_its_csrf_token_answers_a_clear_403():
    user = TherapistFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form could not be sent" in page
    assert "Nothing was saved" in page
    assert "_auth_user_id" not in client.session


def test_a_form_with_its_csrf_token_still_works():
    user = TherapistFactory()
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    token = client.cookies["csrftoken"].value
    response = client.post(
        LOGIN, {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "username",
    [
        "a" * 10_000,
        "9" * 400,
        "dana\x00",
        "dana\u202e",  # right-to-left override
        "dana\u200b",  # zero-width space
        "'; DROP TABLE accounts_user; --",
    ],
    ids=["long", "huge-number", "nul", "rtl-override", "zero-width", "sql"],
)
def test_odd_usernames_are_a_form_error_and_log_nobody_in(client, username):
    TherapistFactory(username="dana")
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 200
    assert (
        "did not match" in response.content.decode()
        or "Null characters are not allowed." in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_look_alike_spellings_are_the_same_login_and_cannot_dodge_the_lockout(client):
    """Usernames are compared after Unicode NFKC normalisation (Django's), so full-width or
    mathematical letters name the same account: they count towards its lockout."""
    TherapistFactory(username="dana")
    for username in ["ｄａｎａ", "𝔡𝔞𝔫𝔞", "dana ", "ｄａｎａ", "𝒹𝒶𝓃𝒶"]:
        assert client.post(LOGIN, {"username": username, "password": "wrong"}).status_code in (200, 429)
    assert client.post(LOGIN, {"username": "dana", "password": PASSWORD}).status_code == 429


def test_a_huge_password_is_refused_quickly_and_changes_nothing(client):
    user = TherapistFactory()
    response = client.post(LOGIN, {"username": user.username, "password": "9" * 500_000})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert AccessAttempt.objects.filter(username=user.username).count() == 1


@pytest.mark.parametrize(
    "email", ["dana\x00@example.org", "x" * 5000 + "@example.org", "ｄａｎａ@example.org"]
)
def test_odd_emails_on_the_reset_form_send_nothing(client, email):
    TherapistFactory(email="dana@example.org")
    response = client.post("/accounts/password_reset/", {"email": email})
    assert response.status_code in (200, 302)
    assert len(mail.outbox) == 0


def test_odd_new_passwords_are_form_errors(client):
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = TherapistFactory()
    old_hash = user.password
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = client.get(
        reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)]), follow=True
    ).redirect_chain[-1][0]
    for new in ["12345678901234567890", "pass\x00word-long-enough", "a", "ｐａｓｓｗｏｒｄ"]:
        response = client.post(url, {"new_password1": new, "new_password2": new + "x"})
        assert response.status_code == 200
        assert "errorlist" in response.content.decode() or "invalid-feedback" in response.content.decode()
    user.refresh_from_db()
    assert user.password == old_hash


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_any_column_is_a_failed_login_not_a_server_error(client, url):
    user = TherapistFactory(is_staff=True)
    for _ in range(5):
        response = client.post(url, {"username": user.username + "x" * 600, "password": "wrong"})
        assert response.status_code in (200, 429)
    # Counted against the (cut) name, not against the real account.
    assert client.post(url, {"username": user.username, "password": PASSWORD}).status_code == 302
