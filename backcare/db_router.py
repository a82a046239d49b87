"""Reports may read from a PostgreSQL replica; everything else reads and writes the primary.

`DATABASE_REPLICA_URL` (optional) adds the `replica` database. The router never guesses which
queries are reports: the reports layer says so by running its reads inside `replica_reads()`
(reports/views.py, api/reports_views.py and the CSV files of reports/exports.py). Outside it,
and for every write anywhere, the answer is the primary (`default`): a patient's own pages, the
session log, the portal, and the audit row a report export writes. Without a replica configured,
`replica_reads()` changes nothing.

A replica lags its primary by a moment: a report may miss a session logged in the last second.
A page that shows what a person has just done must not read it, and none does.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings

PRIMARY = "default"
REPLICA = "replica"

_reading_reports: ContextVar[bool] = ContextVar("reading_reports", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside this block go to the replica, when there is one; writes still go to the primary."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reads_from_replica(view: Callable) -> Callable:
    """A view whose reads (rendering included) are report reads."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


def iterate_on_replica(rows: Iterable) -> Iterator:
    """`rows` (a streamed file's lazy rows) produced on the replica, one at a time: the block is
    entered for each row only, so nothing else runs inside it between two rows."""
    iterator = iter(rows)
    while True:
        with replica_reads():
            try:
                row = next(iterator)
            except StopIteration:
                return
        yield row


class PrimaryReplicaRouter:
    """Report reads to the replica (inside `replica_reads()`); all else to the primary."""

    def db_for_read(self, model, **hints) -> str:
        if _reading_reports.get() and replica_configured():
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica is a copy of the primary: a row read from one may point to a row of the other.
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica follows the primary's schema by replication; `migrate` runs on the primary.
        return db == PRIMARY
