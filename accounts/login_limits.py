"""How many failed logins are allowed, and from where: django-axes' handler (AXES_HANDLER).

axes keeps one row per username, client address and browser with its failures, in the database,
so every process counts the same. Within AXES_COOLOFF_TIME of the last failure, logging in is
refused when any of these limits is reached:

- ``account_address``: one username from one address, AXES_FAILURE_LIMIT (5). Someone guessing a
  person's password is stopped at their own address; the person still logs in from theirs.
- ``address``: any usernames from one address, LOGIN_ADDRESS_FAILURE_LIMIT (20): one address
  trying a password on many accounts (spraying).
- ``account``: one username from any addresses, LOGIN_USERNAME_FAILURE_LIMIT (30): many addresses
  guessing one password. Higher than the first, so it takes several addresses to reach.

The address is the client's as seen through the trusted proxies (backcare/client_address.py), so a
forged X-Forwarded-For neither escapes a limit nor charges someone else's address.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum

ACCOUNT_ADDRESS, ADDRESS, ACCOUNT = "account_address", "address", "account"


def limit_reached(*, account_address: int, address: int, account: int) -> str | None:
    """Which limit, if any, these failure counts reach (the narrowest first)."""
    if account_address >= settings.AXES_FAILURE_LIMIT:
        return ACCOUNT_ADDRESS
    if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return ADDRESS
    if account >= settings.LOGIN_USERNAME_FAILURE_LIMIT:
        return ACCOUNT
    return None


def lockout_reason(request) -> str:
    """Why this request was refused: one of the limits above (the narrowest when not known)."""
    return getattr(request, "login_lockout_reason", None) or ACCOUNT_ADDRESS


class LoginLimitsHandler(AxesDatabaseHandler):
    def failure_counts(self, request, credentials=None) -> dict[str, int]:
        """Recent failures of this username from this address, from this address, and of this
        username, in one query."""
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        this_address = Q(ip_address=address) if address else Q(pk__in=[])
        this_username = Q(username=username) if username else Q(pk__in=[])
        counts = (
            AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
            .filter(this_address | this_username)
            .aggregate(
                account_address=Sum("failures_since_start", filter=this_address & this_username),
                address=Sum("failures_since_start", filter=this_address),
                account=Sum("failures_since_start", filter=this_username),
            )
        )
        return {key: value or 0 for key, value in counts.items()}

    def get_failures(self, request, credentials=None) -> int:
        """The failures axes compares with AXES_FAILURE_LIMIT (to refuse a login, and to answer
        the failure that reaches it with the lockout): this username's from this address, or the
        limit itself once the address's or the username's own limit is reached. The reason is
        kept on the request for the lockout page."""
        counts = self.failure_counts(request, credentials)
        reason = limit_reached(**counts)
        _mark(request, reason)
        if reason in (ADDRESS, ACCOUNT):
            return max(counts[ACCOUNT_ADDRESS], get_failure_limit(request, credentials))
        return counts[ACCOUNT_ADDRESS]


def _mark(request, reason: str | None) -> None:
    # The API's token endpoint hands axes DRF's request; its lockout answer reads Django's.
    for target in (request, getattr(request, "_request", None)):
        if target is not None:
            target.login_lockout_reason = reason
