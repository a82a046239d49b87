"""RTM pages: a therapist records treatment-management time; the clinic's monthly report and its
CSV file. Rules are billing.services' and billing.rtm's; who sees whom is patients.access'."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.permissions import reports_required, therapist_required
from backcare.db_router import reads_from_replica
from patients.models import Patient
from portal.access import patient_for
from reports.exports import csv_response
from reports.services import report_export_record

from . import rtm, selectors
from .forms import MonthForm, TreatmentTimeForm
from .services import treatment_time_record, treatment_time_today


@therapist_required
def treatment_time_add(request, pk):
    patient = patient_for(request, pk, change=True)
    today = treatment_time_today(patient=patient, by=request.user)
    who = request.user.get_full_name() or request.user.username
    form = TreatmentTimeForm(request.POST or None, today=today, who=who)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                entry = treatment_time_record(patient=patient, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                messages.success(
                    request,
                    _("Recorded %(minutes)s minutes on %(day)s.")
                    % {"minutes": entry.minutes, "day": entry.day.isoformat()},
                )
                return redirect(reverse("portal:patient_detail", kwargs={"pk": patient.pk}) + "#rtm-time")
        status = 400
    return render(
        request, "billing/treatment_time_form.html", {"patient": patient, "form": form}, status=status
    )


def _month_form(request) -> MonthForm:
    return MonthForm(request.GET, user=request.user, today=request.user.clinic.local_date())


@reports_required
@reads_from_replica
def report(request):
    form = _month_form(request)
    context = {"form": form, "compares_therapists": Patient.objects.may_compare_therapists(request.user)}
    if not form.is_valid():
        return render(request, "billing/report.html", context, status=400)
    month = form.cleaned_data["month"]
    codes = selectors.codes_in_use()  # shown in the definitions, and counted with
    context.update(
        month=month,
        therapist=form.cleaned_data.get("therapist"),
        rows=selectors.rtm_month(
            user=request.user,
            month=month,
            rules=selectors.rules_load(codes),
            therapist=form.cleaned_data.get("therapist"),
        ),
        codes=codes,
    )
    return render(request, "billing/report.html", context)


CSV_COLUMNS = (
    "patient_id",
    "patient",
    "therapist",
    "month",
    "period",
    "period_start",
    "period_end",
    "period_over",
    "days_with_data",
    "period_code",
    "setup_on",
    "minutes",
    "assistant_minutes",
    "real_time_interaction",
    "codes_earned",
)


def csv_rows(rows, month):
    """One line per patient and period meeting the month (one line for a patient with time
    but no period); the month's figures are repeated on each of the patient's lines."""
    for row in rows:
        m = row.month
        common = (
            m.setup_on.isoformat() if m.setup_on else "",
            m.minutes,
            m.assistant_minutes,
            int(m.interactive),
            " ".join(str(earned) for earned in m.codes),
        )
        who = (row.patient.pk, row.name, str(row.patient.therapist), month.strftime("%Y-%m"))
        for period in m.periods or [None]:
            if period is None:
                yield (*who, "", "", "", "", "", "", *common)
            else:
                yield (
                    *who,
                    period.number,
                    period.start.isoformat(),
                    period.end.isoformat(),
                    int(period.complete),
                    period.days,
                    period.code or "",
                    *common,
                )


@reports_required
@reads_from_replica
def report_csv(request):
    form = _month_form(request)
    if not form.is_valid():
        context = {"form": form, "compares_therapists": Patient.objects.may_compare_therapists(request.user)}
        return render(request, "billing/report.html", context, status=400)
    month, therapist = form.cleaned_data["month"], form.cleaned_data.get("therapist")
    rows = selectors.rtm_month(user=request.user, month=month, therapist=therapist)
    report_export_record(
        by=request.user, export="rtm.csv", start=month, end=rtm.month_last_day(month), therapist=therapist
    )
    response = csv_response(f"rtm-{month:%Y-%m}.csv", CSV_COLUMNS, csv_rows(rows, month))
    response["Cache-Control"] = "no-store, private"  # health and billing data: never kept by a cache
    return response
