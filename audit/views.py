import zoneinfo

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.permissions import role_required

from .actions import action_label
from .forms import AuditFilterForm
from .selectors import audit_action_list, audit_event_list

PAGE_SIZE = 50


@require_safe
@role_required("manager")
def event_list(request):
    """The clinic's audit trail, read-only: who did what to which record, and when."""
    tz = zoneinfo.ZoneInfo(request.user.clinic.timezone if request.user.clinic else settings.TIME_ZONE)
    form = AuditFilterForm(request.GET or None, actions=audit_action_list(user=request.user))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = audit_event_list(
        user=request.user,
        action=filters.get("action", ""),
        start=filters.get("start"),
        end=filters.get("end"),
        tz=tz,
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.action_label = action_label(event.action)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "tz": tz, "query": query.urlencode()},
    )
