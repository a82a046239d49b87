import zoneinfo

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.permissions import role_required

from .describe import describe_events
from .filters import AuditEventFilter
from .selectors import audit_action_list, audit_event_list

PAGE_SIZE = 50


@require_safe
@role_required("manager")
def event_list(request):
    """The clinic's audit trail, read-only: who did what to which record, and when, in words."""
    tz = zoneinfo.ZoneInfo(request.user.clinic.timezone if request.user.clinic else settings.TIME_ZONE)
    filterset = AuditEventFilter(
        request.GET or None,
        queryset=audit_event_list(user=request.user),
        user=request.user,
        actions=audit_action_list(user=request.user),
        tz=tz,
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    describe_events(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": filterset.form, "page": page, "tz": tz, "query": query.urlencode()},
    )
