from django.db.models import Count, Q
from django.shortcuts import render

from accounts.models import User
from accounts.permissions import reports_required


@reports_required
def index(request):
    therapists = (
        User.objects.filter(clinic_id=request.user.clinic_id, role=User.Role.THERAPIST)
        .annotate(patient_count=Count("caseload", filter=Q(caseload__clinic_id=request.user.clinic_id)))
        .order_by("last_name", "first_name")
    )
    if request.user.is_therapist:
        therapists = therapists.filter(pk=request.user.pk)
    return render(request, "reports/index.html", {"therapists": therapists})
