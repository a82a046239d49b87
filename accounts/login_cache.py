"""Logged-in users kept in each process between changes to them.

Every request of a logged-in person reads their user row (with clinic and patient record: see
accounts.backends) to check the login. Unchanged since their last request, it is taken from a
copy kept in this process instead, valid while the user's generation and the all-logins
generation in the shared cache (backcare.generations) are the ones it was read under. Saving the
user (a new password, deactivation, a login), their patient record or any clinic sets a new
generation, so the next request in every process reads the database again and Django's session
check sees the new password at once.

The copy never leaves the process (it holds the password hash); only generations are shared.
Each request gets its own unpickled copy, never an object another request holds. Off unless
settings.LOGIN_CACHE (default: whether REDIS_URL is set), since the generations must be shared.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches

from backcare.generations import generation_bump, generations_read

ALL_LOGINS_KEY = "logins:all"
# A copy unused this long is dropped; a person back after a break reads the database once.
LOCAL_TIMEOUT = 60 * 60


def _generation_key(user_id) -> str:
    return f"logins:user:{user_id}"


def login_generation_keys(user_id) -> list[str]:
    """The generations a copy of this user (or anything showing their name and clinic) is valid under."""
    return [_generation_key(user_id), ALL_LOGINS_KEY]


def login_changed(user_id) -> None:
    """This user's kept copies are out of date (now, and again once the transaction commits)."""
    generation_bump(_generation_key(user_id))


def all_logins_changed() -> None:
    generation_bump(ALL_LOGINS_KEY)


def login_user_cached(user_id, load: Callable[[], object | None]):
    """The user `load()` reads, or this process's copy of it if nothing changed since."""
    if not settings.LOGIN_CACHE:
        return load()
    stamp, _ = generations_read(login_generation_keys(user_id))
    local = caches["local"]
    key = f"login:{user_id}"
    kept = local.get(key)  # unpickled: a fresh copy for this request
    if kept is not None and kept[0] == stamp:
        return kept[1]
    user = load()
    if user is not None:
        local.set(key, (stamp, user), LOCAL_TIMEOUT)
    return user


def token_user_cached(key: str, load: Callable[[], object | None]):
    """The user of API token `key` (what `load()` reads with the token), or this process's copy.

    A token belongs to one user for good, so which user is kept here; whether the token still
    exists is vouched for by the user's generation, which deleting or replacing a token renews
    (api.signals): then `load()` reads the database again and finds it or not.
    """
    if not settings.LOGIN_CACHE:
        return load()
    local = caches["local"]
    token_key = "token:" + hashlib.sha256(key.encode()).hexdigest()
    user_id = local.get(token_key)
    if user_id is None:
        user = load()
        if user is not None:
            local.set(token_key, user.pk, LOCAL_TIMEOUT)
        return user
    return login_user_cached(user_id, load)
