"""Client addresses behind proxies, and what is limited per address and per username.

TRUSTED_PROXY_COUNT alone says how far X-Forwarded-For is believed. A client that sends the header
itself (forged) must not choose the address its failures and requests are counted against; behind
the clinic's proxy, different clients must be counted apart, not as the proxy's one address.
"""

import logging
import uuid

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from backcare.client_address import client_address
from tests.factories import PASSWORD, TherapistFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
PROXY = "172.18.0.5"  # the proxy's address, as the app sees the connection
ALICE, BOB, MALLORY = "198.51.100.10", "198.51.100.20", "203.0.113.66"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _through(remote, forwarded):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return extra


def login(username, password, *, remote, forwarded=None, client=None):
    client = client or Client()
    return client.post(LOGIN, {"username": username, "password": password}, **_through(remote, forwarded))


def get_token(username, password, *, remote, forwarded=None):
    return Client().post(
        TOKEN,
        {"username": username, "password": password},
        content_type="application/json",
        **_through(remote, forwarded),
    )


# --- Which address -------------------------------------------------------------------------


ADDRESS_CASES = [
    # (what it shows, TRUSTED_PROXY_COUNT, REMOTE_ADDR, X-Forwarded-For, the client's address)
    ("no proxy: the connection's address", 0, ALICE, None, ALICE),
    ("no proxy: a forged header is ignored", 0, ALICE, "1.2.3.4", ALICE),
    ("one proxy: the address it saw", 1, PROXY, ALICE, ALICE),
    ("one proxy: values the client put first are ignored", 1, PROXY, f"1.2.3.4, 5.6.7.8, {ALICE}", ALICE),
    ("one proxy: entries that are not addresses are skipped", 1, PROXY, f"1.2.3.4, <script>, {ALICE}", ALICE),
    ("one proxy: IPv6", 1, PROXY, "2001:db8::7", "2001:db8::7"),
    ("one proxy, reached directly without the header", 1, ALICE, None, ALICE),
    ("two proxies: the address the outer one saw", 2, PROXY, f"1.2.3.4, {ALICE}, 10.0.0.9", ALICE),
    ("two proxies, one entry: not through both, so the connection's", 2, PROXY, ALICE, PROXY),
]


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in ADDRESS_CASES],
)
def test_the_client_address_is_believed_only_as_far_as_the_trusted_proxies(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", **_through(remote, forwarded))
    assert client_address(request) == expected


# --- The token endpoint's throttle ---------------------------------------------------------


def _statuses(responses):
    return [response.status_code for response in responses]


def test_without_a_trusted_proxy_rotating_a_forged_header_never_escapes_the_throttle(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    # A different username each time, so neither the lockout nor the username count is involved.
    responses = [get_token(f"nobody{n}", "guess", remote=MALLORY, forwarded=f"10.{n}.0.1") for n in range(30)]
    assert _statuses(responses) == [400] * 10 + [429] * 20
    assert "throttled" in responses[-1].json()["detail"]
    assert int(responses[-1].headers["Retry-After"]) > 0


def test_behind_one_proxy_two_clients_are_counted_apart(behind_one_proxy):
    alice = [get_token(f"a{n}", "guess", remote=PROXY, forwarded=ALICE) for n in range(11)]
    assert _statuses(alice) == [400] * 10 + [429]
    bob = get_token("b", "guess", remote=PROXY, forwarded=BOB)
    assert bob.status_code == 400  # counted as Bob, not as the proxy everyone shares


def test_behind_one_proxy_prepending_values_never_escapes_the_throttle(behind_one_proxy):
    # The proxy appends the address it saw (Mallory's) to whatever Mallory sent.
    responses = [
        get_token(f"x{n}", "guess", remote=PROXY, forwarded=f"10.0.{n}.1, {BOB}, {MALLORY}")
        for n in range(15)
    ]
    assert _statuses(responses) == [400] * 10 + [429] * 5
    assert get_token("b", "guess", remote=PROXY, forwarded=BOB).status_code == 400


def test_one_username_tried_from_many_addresses_is_throttled(behind_one_proxy, settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth-token-username"] == "30/minute"
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 100  # the lockout of failed logins is another test's
    # 31 addresses, each a few times under its own limit: the username's count stops the 31st.
    statuses = [
        get_token("dana", "guess", remote=PROXY, forwarded=f"198.51.100.{n}").status_code
        for n in range(1, 32)
    ]
    assert statuses == [400] * 30 + [429]
    # The same login spelled another way is the same count.
    assert get_token("ＤＡＮＡ", "guess", remote=PROXY, forwarded=BOB).status_code == 429
    assert get_token("erin", "guess", remote=PROXY, forwarded=BOB).status_code == 400


def test_requests_refused_for_their_address_do_not_count_against_the_username(behind_one_proxy):
    user = TherapistFactory()
    # Mallory hammers Alice's login from one address: stopped at the address's limit.
    statuses = _statuses(
        get_token(user.username, "guess", remote=PROXY, forwarded=MALLORY) for _ in range(60)
    )
    assert statuses.count(429) >= 50
    # Alice, from her own address, still gets her token.
    response = get_token(user.username, PASSWORD, remote=PROXY, forwarded=ALICE)
    assert response.status_code == 200
    assert response.json()["token"]


# --- Failed logins -------------------------------------------------------------------------


def test_an_attacker_locked_out_of_a_login_does_not_lock_its_owner_out_behind_the_proxy(behind_one_proxy):
    """Everyone reaches the app through the proxy: before, five wrong passwords from anyone
    locked the login for everyone."""
    user = TherapistFactory()
    attacker = Client()
    statuses = _statuses(
        login(user.username, "wrong", remote=PROXY, forwarded=MALLORY, client=attacker) for _ in range(5)
    )
    assert statuses == [200] * 4 + [429]
    # The attacker keeps going, with the right password too: refused, and not counted any further.
    for _ in range(40):
        assert (
            login(user.username, "wrong", remote=PROXY, forwarded=MALLORY, client=attacker).status_code == 429
        )
    assert login(user.username, PASSWORD, remote=PROXY, forwarded=MALLORY, client=attacker).status_code == 429
    # The owner, from her own address, logs in.
    owner = Client()
    assert login(user.username, PASSWORD, remote=PROXY, forwarded=ALICE, client=owner).status_code == 302
    assert "_auth_user_id" in owner.session


def test_an_attacker_locked_out_through_the_api_does_not_lock_its_owner_out(behind_one_proxy):
    user = TherapistFactory()
    statuses = _statuses(get_token(user.username, "wrong", remote=PROXY, forwarded=MALLORY) for _ in range(8))
    assert statuses == [400] * 4 + [429] * 4
    locked = get_token(user.username, PASSWORD, remote=PROXY, forwarded=MALLORY)
    assert locked.status_code == 429
    assert "from this address" in locked.json()["detail"]
    assert get_token(user.username, PASSWORD, remote=PROXY, forwarded=ALICE).status_code == 200


def test_another_case_or_width_of_the_username_counts_as_the_same_login():
    user = TherapistFactory(username="dana")
    for spelling in ["DANA", "Dana", "ｄａｎａ", "ＤＡＮＡ", "dAnA"]:
        assert get_token(spelling, "wrong", remote=MALLORY).status_code in (400, 429)
    assert get_token(user.username, PASSWORD, remote=MALLORY).status_code == 429
    assert get_token(user.username, PASSWORD, remote=ALICE).status_code == 200


def test_prepending_values_does_not_escape_the_lockout(behind_one_proxy):
    user = TherapistFactory()
    for n in range(5):
        login(user.username, "wrong", remote=PROXY, forwarded=f"10.0.0.{n}, {MALLORY}")
    assert login(user.username, PASSWORD, remote=PROXY, forwarded=f"{ALICE}, {MALLORY}").status_code == 429


def test_an_address_trying_many_usernames_is_locked_out_for_all_of_them(settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    users = TherapistFactory.create_batch(6)
    # Four wrong passwords on each of five accounts: no account reaches its own limit of five.
    for user in users[:5]:
        for _ in range(4):
            assert login(user.username, "wrong", remote=MALLORY).status_code in (200, 429)
    response = login(users[5].username, PASSWORD, remote=MALLORY)
    assert response.status_code == 429
    assert "Too many wrong passwords were tried from this address." in response.content.decode()
    # The same people from their own addresses are not affected.
    assert login(users[5].username, PASSWORD, remote=ALICE).status_code == 302
    api = get_token(users[4].username, PASSWORD, remote=MALLORY)
    assert api.status_code == 429
    assert "from this address" in api.json()["detail"]


def test_one_username_tried_from_many_addresses_is_locked_out(settings):
    """Several addresses guessing one password, each under its own limit, reach the username's
    higher limit: then the login is locked from every address until the cool-off."""
    assert settings.LOGIN_USERNAME_FAILURE_LIMIT == 30
    user = TherapistFactory()
    for n in range(1, 7):  # six addresses, four failures each: 24
        for _ in range(4):
            assert login(user.username, "wrong", remote=f"203.0.113.{n}").status_code == 200
    for n in range(7, 13):  # six more: the 30th failure locks
        login(user.username, "wrong", remote=f"203.0.113.{n}")
    response = login(user.username, PASSWORD, remote=ALICE)
    assert response.status_code == 429
    assert "Too many wrong passwords were tried for this account." in response.content.decode()


# --- The logs ------------------------------------------------------------------------------


def test_a_failed_login_is_logged_with_the_clients_address(behind_one_proxy, caplog):
    user = TherapistFactory()
    with caplog.at_level(logging.WARNING, logger="axes"):
        login(user.username, "wrong", remote=PROXY, forwarded=f"6.6.6.6, {MALLORY}")
    failures = [record.getMessage() for record in caplog.records if "login failure" in record.getMessage()]
    assert failures
    assert all(MALLORY in line and "6.6.6.6" not in line and PROXY not in line for line in failures)
    assert not any(user.username in record.getMessage() for record in caplog.records)


def _access_log_line(settings_proxies, settings, environ):
    from gunicorn.config import Config

    from backcare.gunicorn_logger import ClientAddressLogger

    settings.TRUSTED_PROXY_COUNT = settings_proxies
    config = Config()
    config.set("accesslog", "-")
    logger = ClientAddressLogger(config)
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    keep = Keep()
    logger.access_log.addHandler(keep)
    try:
        response = type("Response", (), {"status": "200 OK", "sent": 12, "headers": []})()
        request = type("Request", (), {"headers": []})()
        base = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/healthz",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "PATH_INFO": "/healthz",
        }
        import datetime as dt

        logger.access(response, request, {**base, **environ}, dt.timedelta(milliseconds=3))
    finally:
        logger.access_log.removeHandler(keep)
    assert len(lines) == 1
    return lines[0]


def test_gunicorns_access_log_names_the_client_behind_the_proxy(settings):
    line = _access_log_line(1, settings, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"6.6.6.6, {ALICE}"})
    assert line.startswith(f"{ALICE} ")
    assert "6.6.6.6" not in line


def test_gunicorns_access_log_ignores_a_forged_header_without_a_trusted_proxy(settings):
    line = _access_log_line(0, settings, {"REMOTE_ADDR": MALLORY, "HTTP_X_FORWARDED_FOR": ALICE})
    assert line.startswith(f"{MALLORY} ")
    assert ALICE not in line


def test_gunicorn_uses_the_client_address_logger():
    import runpy

    from gunicorn.config import Config

    from backcare.gunicorn_logger import ClientAddressLogger

    config = Config()
    config.set("logger_class", runpy.run_path("gunicorn.conf.py")["logger_class"])
    assert config.logger_class is ClientAddressLogger


# --- Where the counts live -----------------------------------------------------------------


def test_with_redis_the_throttle_counts_are_in_redis_for_every_process(settings):
    """With REDIS_URL set, the token endpoint's counts are in Redis, where every gunicorn worker
    reads the same: here another connection to Redis (as another worker) sees them."""
    import redis
    from django.test import override_settings

    location = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(location, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"test-addresses-{uuid.uuid4().hex}"
    shared = {
        **settings.CACHES,
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": location, "KEY_PREFIX": prefix},
    }
    other_worker = redis.Redis.from_url(location)
    try:
        with override_settings(CACHES=shared):
            for n in range(3):
                get_token(f"nobody{n}", "guess", remote=MALLORY)
            keys = other_worker.keys(f"{prefix}:*")
            assert any(b"auth-token_" in key and MALLORY.encode() in key for key in keys)
            # What another process would do with the same count: refuse the 11th request.
            for n in range(3, 10):
                get_token(f"nobody{n}", "guess", remote=MALLORY)
        with override_settings(CACHES=shared):
            cache.close()
            assert get_token("nobody", "guess", remote=MALLORY).status_code == 429
    finally:
        for key in other_worker.keys(f"{prefix}:*"):
            other_worker.delete(key)


def test_check_deploy_says_when_the_throttle_counts_per_process(settings):
    from django.core.checks import run_checks

    def warnings():
        return [m.id for m in run_checks(include_deployment_checks=True) if m.id == "api.W001"]

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    assert warnings() == ["api.W001"]
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"},
    }
    assert warnings() == []
