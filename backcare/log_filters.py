"""Logging filters, importable while settings are read (before the apps are loaded)."""

import logging
import re

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


# /reset/<uidb64>/<token>/: a password-reset or invitation link, a login for whoever reads it.
# Django swaps the token for "set-password" in the address after the first visit; that one is kept.
# The same inside a query string (?next=%2Faccounts%2Freset%2F...), URL-encoded.
_RESET_LINK = re.compile(r"(/reset/)([^/\s?#\"']+)/(?!set-password/)([^/\s?#\"']+)/")
_RESET_LINK_ENCODED = re.compile(
    r"(%2Freset%2F)([^/\s?#\"'%]+)%2F(?!set-password%2F)([^/\s?#\"'%]+)%2F", re.IGNORECASE
)


# /email/confirm/<token>/: the link that confirms a new e-mail address (accounts.services).
_EMAIL_LINK = re.compile(r"(/email/confirm/)([^/\s?#\"']+)/")
# The token holds ":", which a ?next= query string encodes as %3A.
_EMAIL_LINK_ENCODED = re.compile(r"(%2Femail%2Fconfirm%2F)((?:(?!%2F)[^/\s?#\"'&])+)%2F", re.IGNORECASE)


def redact_tokens(text: str) -> str:
    """`text` with the uid and token of every reset or invitation link, and the token of every
    e-mail confirmation link, replaced."""
    text = _RESET_LINK.sub(r"\1[redacted]/[redacted]/", text)
    text = _RESET_LINK_ENCODED.sub(r"\1[redacted]%2F[redacted]%2F", text)
    text = _EMAIL_LINK.sub(r"\1[redacted]/", text)
    return _EMAIL_LINK_ENCODED.sub(r"\1[redacted]%2F", text)


def _redacted(value):
    return redact_tokens(value) if isinstance(value, str) else value


class RedactTokensFilter(logging.Filter):
    """No reset or invitation token in any log line: Django's request and server records,
    the app's own, and gunicorn's access and error logs (gunicorn.conf.py adds it there)."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True
