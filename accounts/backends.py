from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

UserModel = get_user_model()


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Every `authenticate(request=request, username=..., password=...)` call — the login page,
    the admin login, the API's token endpoint — is refused while that username is locked out
    from that address, and each failure is counted. A call without a request (Django's test
    client `login()`, a script) has no client address to count against and is let through to
    the password check, as if axes were not there.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request, credentials=None) -> str | None:
    """The username axes counts failures against (AXES_USERNAME_CALLABLE).

    Unicode NFKC and case-folded, so spellings of one login in another case or width (through
    the API, which does not normalise as the login form does) count as that login, and cannot
    dodge its limits (accounts/login_limits.py). Cut to the 255 characters axes stores: a longer
    "username" would otherwise fail to save on PostgreSQL and turn a wrong login into a server
    error. No real username is that long (150 at most), so the cut changes no real account's count.
    """
    import unicodedata

    from django.conf import settings

    source = credentials if credentials is not None else getattr(request, "data", None) or request.POST
    username = source.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str):
        return username
    return unicodedata.normalize("NFKC", username).strip().casefold()[:255]


class UserModelBackend(ModelBackend):
    """Django's username/password backend, reading a logged-in user's clinic, (for a
    patient) their patient record and whether they have two-factor login in the same query:
    every page shows the clinic, and every patient page starts from the patient record. Read on
    every request, never kept: a deactivated login, a new password or role counts from the very
    next request, in every process."""

    def get_user(self, user_id):
        from accounts.two_factor import two_factor_on

        user = (
            UserModel._default_manager.select_related("clinic", "patient")
            # Whether they have two-factor login (accounts.two_factor.pending_step), in the same query.
            .annotate(two_factor_on=two_factor_on())
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
