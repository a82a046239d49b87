"""The client's address, as seen through the trusted proxies only.

One setting, TRUSTED_PROXY_COUNT, says how many proxies sit in front of the app, each adding the
address it received the request from to the end of X-Forwarded-For. Everything that needs the
client's address asks here: django-axes (AXES_CLIENT_IP_CALLABLE), the API's throttles
(api/throttling.py) and gunicorn's access log (backcare/gunicorn_logger.py).

- TRUSTED_PROXY_COUNT=0: the address the connection came from (REMOTE_ADDR). X-Forwarded-For is
  ignored: the client wrote it.
- TRUSTED_PROXY_COUNT=N: the N-th address from the end of X-Forwarded-For, the one the outermost
  trusted proxy saw. Whatever the client put before it is ignored, so a client cannot choose its
  address by sending the header itself. Entries that are not addresses are skipped (django-ipware).
  A request whose header has fewer entries than that did not come through the proxies as
  configured: it gets REMOTE_ADDR, which nobody can forge.
"""

from collections.abc import Mapping
from types import SimpleNamespace

from django.conf import settings
from ipware import get_client_ip


def client_address_from_meta(meta: Mapping, *, proxy_count: int | None = None) -> str | None:
    """The client's address from a request's META (or a WSGI environ, which has the same keys)."""
    count = settings.TRUSTED_PROXY_COUNT if proxy_count is None else proxy_count
    if count > 0:
        # django-ipware counts the proxies *listed* in the header (client, proxy1, proxy2): the
        # nearest proxy writes the last entry but is not listed itself, hence count - 1.
        address, _routable = get_client_ip(
            SimpleNamespace(META=meta),
            proxy_order="left-most",
            proxy_count=count - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if address:
            return address
    return meta.get("REMOTE_ADDR") or None


def client_address(request) -> str | None:
    """The address of the client that sent `request` (Django's or DRF's request)."""
    return client_address_from_meta(request.META)
