"""GET /api/v1/fhir/Patient/{id}/$everything — one patient's record as a FHIR R4 Bundle
(interop.fhir builds the resources; interop.selectors reads them through the access layer)."""

import json
from datetime import UTC, datetime, time

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ReadsReports
from api.schema import VALIDATION_ERROR_SCHEMA
from audit.models import AuditEvent
from interop import fhir
from interop.selectors import BULK_KINDS, bulk_resources, patient_everything


def _since(value: str | None) -> datetime | None:
    """`_since` as a moment in UTC: an instant (a time without a zone is UTC) or a day (its start,
    UTC). An instant that is outside the calendar in UTC (9999-12-31T23:00-05:00) is refused."""
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.combine(day, time.min)
        if moment is not None:
            moment = moment.astimezone(UTC) if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ValidationError({"_since": [_("Give an instant such as 2026-03-01T00:00:00Z, or a day.")]})
    return moment


class PatientEverythingView(APIView):
    """One patient's record as a FHIR R4 `collection` Bundle: the Patient, each approved plan
    version as a CarePlan (one activity per exercise) with its Goal, each session's pain
    before and after as two Observations coded LOINC 72514-3, and each answered questionnaire as
    a QuestionnaireResponse with its score as an Observation derived from it. Resource ids are
    stable (`patient-12`, `careplan-34`, `goal-34`, `pain-before-56`, `pain-after-56`,
    `questionnaire-response-78`, `score-78`) and every resource has `meta.lastUpdated`; `_since`
    keeps only those last updated at or after it.

    The same access as the rest of the API: a therapist's own patients, a manager's clinic, a
    patient their own record; anyone else's answers 404. Every export is in the audit trail.
    """

    @extend_schema(
        operation_id="fhir_patient_everything",
        parameters=[
            OpenApiParameter(
                "_since", OpenApiTypes.DATETIME, description="Only resources last updated at or after this."
            )
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A FHIR R4 Bundle (type collection)."),
            400: VALIDATION_ERROR_SCHEMA,
        },
    )
    def get(self, request, id: str):  # noqa: A002 (the schema's path parameter, as the routers' are)
        since = _since(request.query_params.get("_since"))
        patient, resources = patient_everything(user=request.user, pk=id, since=since)
        AuditEvent.record(
            actor=request.user,
            action="fhir.exported",
            target=patient,
            clinic=patient.clinic,
            patient=patient,
            data={"resources": len(resources), "since": since.isoformat() if since else None},
        )
        base = request.build_absolute_uri("/api/v1/fhir/")
        return Response(fhir.bundle(resources, base=base, updated=timezone.now()))


NDJSON = "application/fhir+ndjson"


class NdjsonRenderer(BaseRenderer):
    """Lets a client ask for NDJSON (Accept: application/fhir+ndjson); the view streams it."""

    media_type = NDJSON
    format = "ndjson"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode()  # only errors come through here: one JSON line


class BulkExportView(APIView):
    """Every resource of one type for the patients the caller may see (a manager's clinic, a
    therapist's own patients), as a streamed NDJSON file: one FHIR R4 resource per line, the same
    resources (ids, meta.lastUpdated) as a patient's bundle. Types: Patient, CarePlan, Goal,
    Observation (pain before and after each session, then each questionnaire's score) and
    QuestionnaireResponse (each answered questionnaire). `_since` keeps only the resources last
    updated at or after it, for incremental export. Each export is in the clinic's audit trail.
    """

    permission_classes = [ReadsReports]
    renderer_classes = [JSONRenderer, NdjsonRenderer]

    @extend_schema(
        operation_id="fhir_bulk_export",
        parameters=[
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=BULK_KINDS,
                description="The resource type of the file.",
            ),
            OpenApiParameter(
                "_since", OpenApiTypes.DATETIME, description="Only resources last updated at or after this."
            ),
        ],
        responses={
            (200, NDJSON): OpenApiResponse(
                OpenApiTypes.STR, description="One FHIR resource (JSON) per line."
            ),
            (400, "application/json"): VALIDATION_ERROR_SCHEMA,
        },
    )
    def get(self, request, kind: str):
        if kind not in BULK_KINDS:
            raise NotFound(_("Export one of: %(kinds)s.") % {"kinds": ", ".join(BULK_KINDS)})
        since = _since(request.query_params.get("_since"))
        user = request.user
        AuditEvent.record(
            actor=user,
            action="fhir.exported",
            target=user.clinic,
            clinic=user.clinic,
            data={"kind": kind, "since": since.isoformat() if since else None},
        )
        lines = (
            json.dumps(resource, ensure_ascii=False) + "\n"
            for resource in bulk_resources(user=user, kind=kind, since=since)
        )
        response = StreamingHttpResponse(lines, content_type=NDJSON)
        response["Content-Disposition"] = f'attachment; filename="{kind}.ndjson"'
        return response
