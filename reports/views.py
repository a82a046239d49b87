"""Adherence reports: the page and its CSV exports. Figures come from reports.selectors; the
CSV files are written by reports.exports (text that would start a formula is neutralised).

Every view here reads on the reports' replica when one is configured (`reads_from_replica`,
backcare/db_router.py); the audit row an export writes goes to the primary, as every write does."""

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.permissions import reports_required
from backcare.db_router import reads_from_replica
from patients.models import Patient

from . import daily, selectors
from .charts import weekly_chart
from .exports import csv_response
from .forms import ReportFilterForm
from .services import report_export_record

PATIENTS_PER_PAGE = 50
CSV_CHUNK = 2000


def _form(request) -> ReportFilterForm:
    return ReportFilterForm(request.GET, user=request.user, today=request.user.clinic.local_date())


@reports_required
@reads_from_replica
def index(request):
    form = _form(request)
    context = {"form": form, "compares_therapists": Patient.objects.may_compare_therapists(request.user)}
    if form.is_valid():
        args = form.report_args()
        figures = selectors.adherence_figures(**args)  # computed once, shown four ways
        by_therapist = selectors.adherence_by_therapist(**args, figures=figures)
        weeks = selectors.adherence_weekly(**args, figures=figures)
        rows = selectors.patient_rows_sorted(figures.patients, form.cleaned_data["order"])
        page = Paginator(rows, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = selectors.patients_with_figures(page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            summary=selectors.adherence_summary(**args, by_therapist=by_therapist),
            by_therapist=by_therapist,
            weeks=weeks,
            chart=weekly_chart(weeks),
            page=page,
            query=query.urlencode(),
            start=args["start"],
            end=args["end"],
            therapist=args["therapist"],
        )
    return render(request, "reports/index.html", context, status=200 if form.is_valid() else 400)


PATIENT_COLUMNS = (
    "patient_id",
    "patient",
    "therapist",
    "prescribed_days",
    "sessions_logged",
    "session_adherence_pct",
    "exercises_prescribed",
    "exercises_done",
    "exercise_adherence_pct",
    "first_pain",
    "last_pain",
    "pain_change",
    "last_session",
    "open_alerts",
    "flag_no_session_3_days",
    "flag_worsening_pain",
    "flag_alerts_open",
)


def _round(value):
    return "" if value is None else f"{value:.1f}"


def patient_csv_rows(rows):
    """CSV lines for per-patient figures, loading the patients CSV_CHUNK at a time."""
    for at in range(0, len(rows), CSV_CHUNK):
        yield from _patient_csv_chunk(selectors.patients_with_figures(rows[at : at + CSV_CHUNK]))


def _patient_csv_chunk(patients):
    for p in patients:
        yield (
            p.pk,
            p.user.get_full_name() or p.user.username,
            str(p.therapist),  # the full name, or the username when there is none
            p.prescribed_days,
            p.sessions_logged,
            _round(p.session_pct),
            p.exercises_prescribed,
            p.exercises_done,
            _round(p.exercise_pct),
            "" if p.first_pain is None else p.first_pain,
            "" if p.last_pain is None else p.last_pain,
            "" if p.pain_change is None else p.pain_change,
            p.last_session.isoformat() if p.last_session else "",
            p.open_alerts,
            int(p.flag_silent),
            int(p.flag_worsening),
            int(p.flag_alerts),
        )


def _range(args) -> dict:
    return {"start": args["start"], "end": args["end"], "therapist": args["therapist"]}


def _invalid(request, form):
    return render(
        request,
        "reports/index.html",
        {"form": form, "compares_therapists": Patient.objects.may_compare_therapists(request.user)},
        status=400,
    )


@reports_required
@reads_from_replica
def export_patients(request):
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    args = form.report_args()
    rows = selectors.patient_rows_sorted(selectors.adherence_figures(**args).patients, "name")
    report_export_record(by=request.user, export="patients.csv", **_range(args))
    return csv_response(
        f"adherence-patients-{args['start']}-{args['end']}.csv", PATIENT_COLUMNS, patient_csv_rows(rows)
    )


@reports_required
@reads_from_replica
def export_daily(request):
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    args = form.report_args()
    rows = daily.adherence_daily_rows(**args, chunk_size=CSV_CHUNK)
    report_export_record(by=request.user, export="daily.csv", **_range(args))
    return csv_response(f"adherence-daily-{args['start']}-{args['end']}.csv", daily.DAILY_COLUMNS, rows)
