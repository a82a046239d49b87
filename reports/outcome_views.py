"""The outcome report: page and CSV export, from reports.outcomes (the API reads the same)."""

from django.shortcuts import render

from accounts.permissions import reports_required
from backcare.db_router import reads_from_replica
from patients.models import Patient

from .exports import csv_response
from .forms import ReportFilterForm
from .outcomes import CSV_COLUMNS, outcome_csv_rows, outcome_report
from .services import report_export_record


def _form(request) -> ReportFilterForm:
    return ReportFilterForm(request.GET, user=request.user, today=request.user.clinic.local_date())


@reports_required
@reads_from_replica
def outcomes(request):
    form = _form(request)
    context = {"form": form, "compares_therapists": Patient.objects.may_compare_therapists(request.user)}
    if form.is_valid():
        args = form.report_args()
        context.update(
            report=outcome_report(**args),
            start=args["start"],
            end=args["end"],
            therapist=args["therapist"],
            query=request.GET.urlencode(),
        )
    return render(request, "reports/outcomes.html", context, status=200 if form.is_valid() else 400)


@reports_required
@reads_from_replica
def export_outcomes(request):
    form = _form(request)
    if not form.is_valid():
        context = {"form": form, "compares_therapists": Patient.objects.may_compare_therapists(request.user)}
        return render(request, "reports/outcomes.html", context, status=400)
    args = form.report_args()
    report_export_record(
        by=request.user,
        export="outcomes.csv",
        start=args["start"],
        end=args["end"],
        therapist=args["therapist"],
    )
    return csv_response(
        f"outcomes-{args['start']}-{args['end']}.csv", CSV_COLUMNS, outcome_csv_rows(outcome_report(**args))
    )
