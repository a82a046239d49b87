"""Generations: a value in the shared cache that changes whenever what it stands for changes.

A cached copy is stored with the generations it was made under and used only while they are
still the current ones. Whoever changes the data calls `generation_bump` (model signals do, so
every write counts: services, the admin, management commands); readers call
`generations_read` *before* reading the database, so a copy made while a change commits is
stored under the old generation and never used after it.

The shared cache must be one every process uses (Redis): a bump in one process has to reach
the copies every other process keeps.
"""

import uuid
from collections.abc import Sequence

from django.core.cache import cache
from django.db import transaction


def _new() -> str:
    return uuid.uuid4().hex


def _set(key: str) -> None:
    cache.set(key, _new(), timeout=None)


def generation_bump(key: str) -> None:
    """A new generation for `key`, now and again once the current transaction commits.

    A new random value rather than an increment: no read, and a missing key is no problem. Now,
    and again after the commit: a copy made in between (from the state before the commit) is
    stored under the in-between generation and never used after it.
    """
    _set(key)
    transaction.on_commit(lambda: _set(key))


def generations_read(keys: Sequence[str], *, also: Sequence[str] = ()) -> tuple[tuple[str, ...], dict]:
    """The current generations of `keys` (starting any that are missing), and the cached values
    of the keys in `also`, read in the same round trip."""
    values = cache.get_many([*keys, *also])
    current = []
    for key in keys:
        value = values.get(key)
        if value is None:
            value = _new()
            # Another request may have started it meanwhile; then use that one.
            if not cache.add(key, value, timeout=None):
                value = cache.get(key) or value
        current.append(value)
    return tuple(current), {key: values[key] for key in also if key in values}
