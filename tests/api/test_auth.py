"""The token endpoint shares the login page's lockout (django-axes)."""

from rest_framework.test import APIClient

from tests.factories import PASSWORD


def test_repeated_wrong_passwords_lock_the_token_endpoint_like_the_login_page(therapist, settings):
    """django-axes counts API failures too; once locked, even the right password is refused."""
    client = APIClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        wrong = client.post(
            "/api/v1/auth/token/", {"username": therapist.username, "password": "nope"}, format="json"
        )
        assert wrong.status_code in (400, 429)
    response = client.post(
        "/api/v1/auth/token/", {"username": therapist.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert "locked" in response.json()["detail"]
