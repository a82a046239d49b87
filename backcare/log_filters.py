"""Logging filters, importable while settings are read (before the apps are loaded)."""

import logging

from django.db import InterfaceError, OperationalError

# The database. (The shared cache, Redis, is best effort: its errors are ignored, see settings.)
OUTAGE_ERRORS = (OperationalError, InterfaceError)


class OutageTracebackFilter(logging.Filter):
    """Log a 503 for a database outage in one line: backcare.faults already logs why, and a
    driver stack trace per request during a restart buries everything else in the log."""

    def filter(self, record):
        outage = record.exc_info and isinstance(record.exc_info[1], OUTAGE_ERRORS)
        if outage and getattr(record, "status_code", None) == 503:
            record.exc_info = record.exc_text = None
        return True
