from django.shortcuts import render

from accounts.permissions import therapist_required
from patients.models import Patient


@therapist_required
def caseload(request):
    patients = (
        Patient.objects.visible_to(request.user)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    return render(request, "portal/caseload.html", {"patients": patients})
