import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY

RENEWED_AT = "_backcare_renewed_at"


class SessionIdleTimeoutMiddleware:
    """End a logged-in session after SESSION_COOKIE_AGE seconds without a request.

    Django sets the session's expiry (in the database and on the cookie) each time the session is
    saved. Saving on every request would cost a database write per request, so the session is
    saved only when its last renewal is older than SESSION_RENEW_AFTER seconds: a person is logged
    out after between SESSION_COOKIE_AGE - SESSION_RENEW_AFTER and SESSION_COOKIE_AGE seconds idle.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        # Only sessions that carry a login; a request without a session cookie reads nothing.
        if session.session_key and SESSION_KEY in session:
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_AFTER:
                session[RENEWED_AT] = now
        return self.get_response(request)
