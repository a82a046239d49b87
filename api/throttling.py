"""The token endpoint's throttle: per client address, then per username tried.

Counts live in the default cache: Redis, shared by every process, when REDIS_URL is set; otherwise
each process's own memory (so with several workers each counts apart). A client cannot escape the
address count by rotating X-Forwarded-For: the address is the one seen through the trusted proxies
only (backcare/client_address.py). The username count holds however many addresses take turns at
one login; it is higher, and a request the address count refuses is not added to it, so one
address alone can never throttle someone else's login. Failed logins are also locked out by
django-axes (accounts/login_limits.py), in the database.
"""

import hashlib
import unicodedata

from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from backcare.client_address import client_address


class TokenAddressThrottle(SimpleRateThrottle):
    """Token requests per client address (API_TOKEN_THROTTLE_RATE)."""

    scope = "auth-token"

    def get_ident(self, request):
        return client_address(request) or "unknown"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def username_key(username: str) -> str:
    """The same key for spellings that name the same login (Unicode NFKC, any case), short and
    safe as a cache key whatever was typed."""
    normal = unicodedata.normalize("NFKC", username).strip().casefold()
    return hashlib.sha256(normal.encode()).hexdigest()


class TokenUsernameThrottle(SimpleRateThrottle):
    """Token requests per username tried, from any address (API_TOKEN_USERNAME_THROTTLE_RATE).
    A request without a username is left to the address count and the serializer's 400."""

    scope = "auth-token-username"

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": username_key(username)}


class TokenThrottle(BaseThrottle):
    """The address count first; only a request it lets through is counted against the username."""

    def __init__(self):
        self.throttles = [TokenAddressThrottle(), TokenUsernameThrottle()]
        self.refused_by = None

    def allow_request(self, request, view):
        for throttle in self.throttles:
            if not throttle.allow_request(request, view):
                self.refused_by = throttle
                return False
        return True

    def wait(self):
        return self.refused_by.wait() if self.refused_by is not None else None
