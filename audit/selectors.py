import datetime as dt
import zoneinfo

from django.db.models import QuerySet

from .models import AuditEvent


def audit_event_list(
    *,
    user,
    action: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    tz: zoneinfo.ZoneInfo,
) -> QuerySet[AuditEvent]:
    """The audit events `user` may read, newest first; `start`/`end` are whole days in `tz`."""
    events = AuditEvent.objects.visible_to(user).select_related("actor")
    if action:
        events = events.filter(action=action)
    if start:
        events = events.filter(created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        events = events.filter(
            created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return events.order_by("-created_at", "-pk")


def audit_action_list(*, user) -> list[str]:
    """The action codes that occur in the events `user` may read, for the filter."""
    return sorted(AuditEvent.objects.visible_to(user).values_list("action", flat=True).distinct())
