"""Logging filters, importable while settings are read (before the apps are loaded)."""

import logging

from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# The database, and the shared cache (Redis, with REDIS_URL): logins are read from both.
OUTAGE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


class OutageTracebackFilter(logging.Filter):
    """Log a 503 for a database outage in one line: backcare.faults already logs why, and a
    driver stack trace per request during a restart buries everything else in the log."""

    def filter(self, record):
        outage = record.exc_info and isinstance(record.exc_info[1], OUTAGE_ERRORS)
        if outage and getattr(record, "status_code", None) == 503:
            record.exc_info = record.exc_text = None
        return True
