"""Errors answered clearly: a database that cannot be reached answers 503 with a clear message,
not a stack trace; anything under /api/ answers JSON for 400, 404, 413 and 500 alike, so a client
never has to read an HTML page.

`DatabaseUnavailableMiddleware` catches the error raised by a view; `server_error` (handler500)
catches the same error raised outside a view, for instance while middleware loads the session.
Django reconnects by itself once the database is back (CONN_HEALTH_CHECKS is on in settings).
"""

import logging
import sys

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from .log_filters import OUTAGE_ERRORS

logger = logging.getLogger("backcare.faults")

RETRY_AFTER_SECONDS = "10"


def _log_outage(request, exception) -> None:
    # One line per request: the driver's message spans several.
    message = " ".join(str(exception).split())
    logger.warning("Database unavailable for %s %s: %s", request.method, request.path, message)


def database_unavailable(request):
    message = _(
        "BackCare cannot reach its database right now. Nothing was lost; please try again in a minute."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        # The page must not touch the database: the user in its context is not loaded from the session.
        response = render(request, "503.html", {"user": AnonymousUser(), "message": message}, status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OUTAGE_ERRORS):
            _log_outage(request, exception)
            return database_unavailable(request)
        return None


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def server_error(request, *args, **kwargs):
    """handler500: a database outage outside a view is still a 503, anything else a 500 (JSON
    under /api/)."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OUTAGE_ERRORS):
        _log_outage(request, exception)
        return database_unavailable(request)
    if _is_api(request):
        message = _("Something went wrong on our side. Nothing was saved; please try again later.")
        return JsonResponse({"detail": message}, status=500)
    return django_server_error(request, *args, **kwargs)


def bad_request(request, exception, *args, **kwargs):
    """handler400: a request refused before any view (a body too large, an unknown host...).
    Under /api/ JSON, and a body too large is 413 there, as the API's parser answers."""
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            from api.parsers import too_large_message

            return JsonResponse({"detail": too_large_message()}, status=413)
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return django_bad_request(request, exception, *args, **kwargs)


def page_not_found(request, exception, *args, **kwargs):
    """handler404: under /api/ JSON (DRF's views already answer so; this covers the rest)."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return django_page_not_found(request, exception, *args, **kwargs)
