"""What every service shares: the audit row it writes and how it reports a lost race."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent

from ..models import (
    Patient,
)
from ..models import text_too_long as _text_too_long  # noqa: F401 (shared by the services)

User = get_user_model()


def _audit(*, by, action: str, target, patient: Patient, data: dict | None = None) -> None:
    AuditEvent.record(
        actor=by, action=action, target=target, clinic=patient.clinic, patient=patient, data=data or {}
    )


@contextmanager
def _lost_race_raises(error: ValidationError, *, taken: Callable[[], bool]) -> Iterator[None]:
    """Run an insert that a unique constraint guards and that was checked just before.

    A concurrent request can take the same value between that check and the insert; the
    database's unique constraint then refuses the insert. That IntegrityError becomes `error`,
    the ValidationError the check itself raises, when `taken()` (the check again) now finds the
    competing row: the loser of the race reads the same message as a sequential duplicate.
    Any other IntegrityError is a bug and propagates. The insert runs in a savepoint, so the
    caller's transaction stays usable until the ValidationError rolls it back.

    PostgreSQL reports the violation only once the competing transaction has committed, and
    at READ COMMITTED (Django's default) the check run again sees that row.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if taken():
            raise error from exc
        raise
