from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse


def home(request):
    """Send each person to their own home page after login."""
    user = request.user
    if user.is_therapist:
        return redirect("portal:caseload")
    if user.is_manager:
        return redirect("reports:index")
    if user.is_patient:
        return redirect("patients:today")
    if user.is_superuser:
        return redirect("admin:index")
    return redirect(reverse("login"))


@login_not_required
def healthz(request):
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): too many failed logins for this
    username from this address. 429 with a page for people, JSON for the API."""
    from django.conf import settings
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        detail = _(
            "Too many failed logins. This account is locked for %(minutes)d minutes from this address."
        ) % {"minutes": minutes}
        return JsonResponse({"detail": detail}, status=429)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
