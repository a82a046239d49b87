"""API tokens as a patient's phone lives with them: one per device, ending when idle too long,
renewed by use, ended one at a time or everywhere at once, and only ever by their owner."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from accounts.services import device_token_create
from tests.factories import PASSWORD

TODAY = "/api/v1/me/today/"
TOKEN = "/api/v1/auth/token/"
DEVICES = "/api/v1/auth/devices/"


def log_in(user, device: str | None = None) -> dict:
    body = {"username": user.username, "password": PASSWORD}
    if device is not None:
        body["device"] = device
    answer = APIClient().post(TOKEN, body, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def phone(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def user(active_plan):
    return active_plan.patient.user


def test_logging_in_gives_a_token_with_its_expiry_and_device(user):
    before = timezone.now()
    answer = log_in(user, device="Sam's phone")

    assert set(answer) == {"token", "expiry", "device"}
    expiry = dt.datetime.fromisoformat(answer["expiry"])
    assert dt.timedelta(days=29, hours=23) < expiry - before <= dt.timedelta(days=30, seconds=5)
    device = DeviceToken.objects.get(pk=answer["device"])
    assert device.user == user and device.name == "Sam's phone"
    assert phone(answer["token"]).get(TODAY).status_code == 200


def test_the_token_is_stored_only_as_a_digest(user):
    token = log_in(user)["token"]
    row = DeviceToken.objects.filter(user=user).values().get()
    assert token not in {str(value) for value in row.values()}
    assert row["token_key"] == token[: len(row["token_key"])] and len(row["token_key"]) < len(token) / 3


def test_each_login_is_its_own_device(user):
    first, second = log_in(user, device="Phone"), log_in(user, device="Tablet")
    assert first["token"] != second["token"]
    assert DeviceToken.objects.filter(user=user).count() == 2


def test_the_idle_lifetime_is_a_setting(user, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(days=2)}
    expiry = dt.datetime.fromisoformat(log_in(user)["expiry"])
    assert dt.timedelta(days=1, hours=23) < expiry - timezone.now() <= dt.timedelta(days=2)


def test_an_expired_token_is_refused_and_gone(user):
    answer = log_in(user)
    DeviceToken.objects.filter(pk=answer["device"]).update(expiry=timezone.now() - dt.timedelta(seconds=1))

    refused = phone(answer["token"]).get(TODAY)

    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]
    assert not DeviceToken.objects.filter(pk=answer["device"]).exists()


def test_using_a_token_moves_its_expiry_on_and_marks_it_used(user):
    answer = log_in(user)
    soon = timezone.now() + dt.timedelta(hours=1)
    DeviceToken.objects.filter(pk=answer["device"]).update(expiry=soon, last_used=None)

    assert phone(answer["token"]).get(TODAY).status_code == 200

    device = DeviceToken.objects.get(pk=answer["device"])
    assert device.expiry > timezone.now() + dt.timedelta(days=29)
    assert timezone.now() - device.last_used < dt.timedelta(seconds=30)


def test_a_token_used_again_within_a_minute_is_not_written_again(user, django_assert_num_queries):
    token = log_in(user)["token"]
    client = phone(token)
    client.get(DEVICES)  # first use: expiry and last used written
    with django_assert_num_queries(3):  # the token with its user, the count, the rows: no update
        client.get(DEVICES)
    DeviceToken.objects.filter(user=user).update(last_used=timezone.now() - dt.timedelta(minutes=2))
    client.get(DEVICES)
    assert timezone.now() - DeviceToken.objects.get(user=user).last_used < dt.timedelta(seconds=30)


def test_delete_ends_only_the_token_used_and_the_other_device_keeps_working(user):
    lost, kept = log_in(user, device="Old phone"), log_in(user, device="New phone")

    assert phone(lost["token"]).delete(TOKEN).status_code == 204

    assert phone(lost["token"]).get(TODAY).status_code == 401
    assert phone(kept["token"]).get(TODAY).status_code == 200
    assert list(DeviceToken.objects.filter(user=user).values_list("name", flat=True)) == ["New phone"]


def test_delete_without_a_token_is_refused_and_ends_nothing(user):
    log_in(user)
    web = APIClient()
    web.force_login(user)
    assert web.delete(TOKEN).status_code == 401  # only a token can end itself
    assert DeviceToken.objects.filter(user=user).count() == 1


def test_the_device_list_shows_ones_own_devices_with_their_dates(user):
    this = log_in(user, device="Phone")
    other = log_in(user, device="Tablet")

    rows = phone(this["token"]).get(DEVICES).json()["results"]

    assert {row["name"]: row["current"] for row in rows} == {"Phone": True, "Tablet": False}
    assert set(rows[0]) == {"id", "name", "created", "last_used", "expiry", "current"}
    assert "token" not in str(rows) and other["token"] not in str(rows)


def test_ending_a_device_by_id_logs_it_out(user):
    this, tablet = log_in(user, device="Phone"), log_in(user, device="Tablet")

    assert phone(this["token"]).delete(f"{DEVICES}{tablet['device']}/").status_code == 204

    assert phone(tablet["token"]).get(TODAY).status_code == 401
    assert phone(this["token"]).get(TODAY).status_code == 200


def test_nobody_sees_or_ends_another_persons_devices(user, therapist):
    patients_phone = log_in(user, device="Sam's phone")
    therapists = phone(log_in(therapist, device="Desk")["token"])

    listed = therapists.get(DEVICES).json()["results"]
    ended = therapists.delete(f"{DEVICES}{patients_phone['device']}/")

    assert [row["name"] for row in listed] == ["Desk"]
    assert ended.status_code == 404 and set(ended.json()) == {"detail"}
    assert phone(patients_phone["token"]).get(TODAY).status_code == 200


def test_logging_out_everywhere_ends_every_token_and_web_session(user):
    this, tablet = log_in(user, device="Phone"), log_in(user, device="Tablet")
    web = Client()
    web.force_login(user)
    assert web.get(reverse("patients:today")).status_code == 200

    assert phone(this["token"]).post("/api/v1/auth/log-out-everywhere/").status_code == 204

    assert phone(this["token"]).get(TODAY).status_code == 401
    assert phone(tablet["token"]).get(TODAY).status_code == 401
    assert web.get(reverse("patients:today")).status_code == 302
    assert not DeviceToken.objects.filter(user=user).exists()
    # The password still works: a new login on the phone.
    assert phone(log_in(user)["token"]).get(TODAY).status_code == 200


def test_a_device_name_too_long_is_refused_and_makes_no_token(user):
    body = {"username": user.username, "password": PASSWORD, "device": "x" * 101}
    answer = APIClient().post(TOKEN, body, format="json")
    assert answer.status_code == 400
    assert "device" in answer.json()
    assert not DeviceToken.objects.filter(user=user).exists()


def test_a_deactivated_persons_token_is_refused(user):
    _device, token = device_token_create(user=user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert phone(token).get(TODAY).status_code == 401


def test_a_malformed_token_is_refused_with_a_json_401(user):
    for token in ("not-hex-at-all", "é" * 64, "0" * 64):
        answer = phone(token).get(TODAY)
        assert answer.status_code == 401, token
        assert "detail" in answer.json()
