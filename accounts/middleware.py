import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.utils import translation

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


class TwoFactorMiddleware:
    """The one place the second step of a login is enforced, for every page (after
    LoginRequiredMiddleware, which has already turned strangers away).

    A therapist or manager who owes a code (accounts.two_factor.pending_step: VERIFY) reaches only
    the code page; one whose clinic requires two-factor login and who has no authenticator yet
    (ENROL) reaches only the enrolment pages. Logging out, the pages open to everyone
    (@login_not_required) and static files stay reachable, but as to a stranger. Under /api/
    and on those open pages a half-finished login counts as no login at all: the browser's
    session is not accepted there (a token still is), so an open view that serves the signed-in
    (an exercise picture) does not serve someone who has given only the password.
    """

    VERIFY_VIEWS = {"two_factor_verify", "logout"}
    ENROL_VIEWS = {"two_factor_manage", "two_factor_recovery_codes", "logout"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.contrib.auth.models import AnonymousUser
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        from accounts import two_factor

        step = two_factor.pending_step(request.user)
        request.two_factor_step = step
        if step is None:
            return None
        if request.path.startswith("/api/"):
            request.user = AnonymousUser()
            return None
        allowed = self.VERIFY_VIEWS if step == two_factor.VERIFY else self.ENROL_VIEWS
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if view_name in allowed:
            return None
        if not getattr(view_func, "login_required", True):
            request.user = AnonymousUser()
            return None
        target = reverse("two_factor_verify" if step == two_factor.VERIFY else "two_factor_manage")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


def activate_user_language(request, user) -> None:
    """Pages, e-mails, PDFs and API answers of this request in the person's own language."""
    language = getattr(user, "language", "")
    if language and language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


class UserLanguageMiddleware:
    """After authentication: a logged-in person's stored language (User.language) wins over the
    browser's Accept-Language, which LocaleMiddleware has read for everyone before. Anonymous pages
    (login, password reset) keep the browser's. API requests with a token are authenticated later,
    by DRF: api.authentication.UserTokenAuthentication calls activate_user_language itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            activate_user_language(request, request.user)
        return self.get_response(request)
