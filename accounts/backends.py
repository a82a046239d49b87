from axes.backends import AxesStandaloneBackend


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
