import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout

RENEWED_AT = "_backcare_renewed_at"
STARTED_AT = "_backcare_started_at"


def session_started(*, request, **kwargs) -> None:
    """user_logged_in receiver: the login's absolute lifetime counts from now."""
    if hasattr(request, "session"):
        request.session[STARTED_AT] = int(time.time())


class SessionIdleTimeoutMiddleware:
    """End a logged-in session after SESSION_COOKIE_AGE seconds without a request, and in any case
    SESSION_ABSOLUTE_AGE seconds after the login, however active.

    Django sets the session's expiry (in the database and on the cookie) each time the session is
    saved. Saving on every request would cost a database write per request, so the session is
    saved only when its last renewal is older than SESSION_RENEW_AFTER seconds: a person is logged
    out after between SESSION_COOKIE_AGE - SESSION_RENEW_AFTER and SESSION_COOKIE_AGE seconds idle.

    The login time is stored in the session at login (accounts.apps connects session_started);
    a session from before that counts from the first request that sees it. Past the absolute age
    the session is flushed (logout) before the view: the page asks for a login again and the API
    refuses the browser's session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        # Only sessions that carry a login; a request without a session cookie reads nothing.
        if session.session_key and SESSION_KEY in session:
            now = int(time.time())
            started = session.setdefault(STARTED_AT, now)
            if now - started >= settings.SESSION_ABSOLUTE_AGE:
                logout(request)
            elif now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_AFTER:
                session[RENEWED_AT] = now
        return self.get_response(request)
