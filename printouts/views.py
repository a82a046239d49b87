"""The printed program (PDF): the patient's own, and the portal's for a patient's plan version.

Access is the pages' own: a patient reaches only their own live plan (`patient_of_user`,
`plan_live_for`); the portal reaches a patient through `portal.access.patient_for` (their
therapist, or a manager of the clinic, reading) and the plan within that patient. Anything
else is not found (404). Downloads by clinic staff are written to the audit trail.
"""

import logging

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.permissions import patient_required, role_required
from patients.models import Patient, Plan
from patients.selectors import patient_of_user, plan_live_for
from portal.access import patient_for

from .pdf import PdfUnavailable, html_to_pdf
from .selectors import program_printout
from .services import program_pdf_record

logger = logging.getLogger(__name__)


def _filename(patient: Patient) -> str:
    name = slugify(patient.user.get_full_name()) or f"patient-{patient.pk}"
    return f"backcare-program-{name}.pdf"


def _program_pdf(request, plan: Plan, *, record_for=None) -> HttpResponse:
    patient = plan.patient
    with translation.override(patient.user.language):  # the patient's language, whoever prints it
        context = program_printout(plan=plan, today=patient.local_date())
        html = render_to_string("printouts/program.html", context, request=request)
    try:
        pdf = html_to_pdf(html, base_url=request.build_absolute_uri("/"))
    except PdfUnavailable as error:
        logger.warning("Printed program refused: %s", error)
        return render(request, "printouts/pdf_unavailable.html", status=503)
    if record_for is not None:
        program_pdf_record(by=record_for, plan=plan)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(patient)}"'
    response["Cache-Control"] = "no-store"  # health data: never kept by a browser or proxy
    return response


@patient_required
def my_program_pdf(request):
    """The patient's own live plan, printed."""
    patient = patient_of_user(request.user)
    plan = plan_live_for(patient=patient) if patient is not None else None
    if plan is None:
        raise Http404(_("You have no approved plan to print yet."))
    plan.patient = patient
    return _program_pdf(request, plan)


@role_required("therapist", "manager")
def plan_program_pdf(request, pk: int, plan_pk: int):
    """Any version of a patient's plan, printed: their therapist, or a manager of the clinic, reading."""
    patient = patient_for(request, pk, change=False)
    plan = get_object_or_404(patient.plans.select_related("template"), pk=plan_pk)
    plan.patient = patient
    return _program_pdf(request, plan, record_for=request.user)
