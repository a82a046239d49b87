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
