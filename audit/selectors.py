from django.db.models import QuerySet

from .models import AuditEvent


def audit_event_list(*, user) -> QuerySet[AuditEvent]:
    """The audit events `user` may read, newest first, with the people they name.

    Filtering (what, which patient, who, which days) is audit.filters.AuditEventFilter's.
    """
    return (
        AuditEvent.objects.visible_to(user)
        .select_related("actor", "patient__user")
        .order_by("-created_at", "-pk")
    )


def audit_action_list(*, user) -> list[str]:
    """The action codes that occur in the events `user` may read, for the filter."""
    return sorted(AuditEvent.objects.visible_to(user).values_list("action", flat=True).distinct())
