"""GET /api/v1/patients/{id}/record/ — the patient's whole record as a ZIP, as the portal gives it."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from api.permissions import ExportsRecords
from api.schema import ErrorSerializer
from patients.models import Patient
from records.services import record_export
from records.views import zip_response


class PatientRecordView(APIView):
    """One patient's whole record: a ZIP of JSON files (the patient and their login without the
    password, every plan version, session, alert, progression period, notice and override, every
    questionnaire answered with its score, the RTM treatment time, the messages where the clinic
    lets its managers read them, and the audit events about them) and the printed program (PDF),
    with `manifest.json` listing each file. A clinic manager, for a patient of their clinic;
    another clinic's patient answers 404. Every export is recorded in the clinic's audit trail."""

    permission_classes = [ExportsRecords]

    @extend_schema(
        operation_id="patients_record",
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The record (ZIP)."),
            404: ErrorSerializer,
        },
    )
    def get(self, request, id: int):
        try:
            filename, content = record_export(
                patient_pk=id, by=request.user, base_url=request.build_absolute_uri("/")
            )
        except Patient.DoesNotExist:
            raise NotFound from None
        return zip_response(filename, content)
