"""The patient's record as a ZIP download from the portal (a clinic manager, on the patient's page)."""

from django.http import Http404, HttpResponse

from accounts.permissions import role_required
from patients.models import Patient

from .services import record_export

ZIP = "application/zip"


def zip_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=ZIP)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"  # health data: never kept by a browser or proxy
    return response


@role_required("manager")
def patient_record_zip(request, pk: int):
    try:
        filename, content = record_export(
            patient_pk=pk, by=request.user, base_url=request.build_absolute_uri("/")
        )
    except Patient.DoesNotExist:
        raise Http404 from None
    return zip_response(filename, content)
