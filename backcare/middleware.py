"""Project-wide response headers."""

from .log_filters import OUTAGE_ERRORS

NO_STORE = "no-store, private"


class PrivateNoStoreMiddleware:
    """Nothing a logged-in person sees, and nothing under /api/, is kept by a browser's or a
    proxy's cache: `Cache-Control: no-store, private` on every such response that has not set its
    own caching. (Health data stays off shared computers' disk caches and out of a proxy that
    could hand it to the next person.) Static files never get here: WhiteNoise answers them first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and self._private(request):
            response["Cache-Control"] = NO_STORE
        return response

    @staticmethod
    def _private(request) -> bool:
        if request.path.startswith("/api/"):
            return True
        user = getattr(request, "user", None)
        try:
            return bool(user and user.is_authenticated)
        except OUTAGE_ERRORS:  # the session could not be read: assume the worst
            return True
