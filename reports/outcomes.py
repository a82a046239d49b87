"""Outcome report: per therapist and for the clinic, how patients' questionnaire scores changed.

The report page, its CSV export and the API (`/api/v1/reports/outcomes/`) read through
`outcome_report`, which takes two queries whatever the number of patients (the grouped figures,
and the therapists' names). Patients are those the user may see (`reports.selectors.report_patients`,
through `Patient.objects.visible_to`).

Definitions (shown on the page, reports/templates/reports/_outcome_definitions.html):

- **With baseline and follow-up**: patients whose latest follow-up answer of the questionnaire
  falls in the range, compared with their baseline (the first answer since their plan started).
- **Mean change**: the mean of latest follow-up minus baseline, in the questionnaire's points
  (NPRS, ODI, RMDQ: lower is better, so a negative change is an improvement; PSFS: higher is
  better).
- **Reached meaningful improvement**: the share of those patients whose improvement reaches the
  MCID (outcomes/scoring.py: in points, in percent of baseline, or for the PSFS 3 points on one
  activity).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from accounts.models import User
from outcomes.models import Response
from outcomes.scoring import RULES
from patients.models import Patient

from .selectors import report_patients

# Questionnaires that measure change (STarT Back sorts patients by risk: no MCID).
REPORTED = tuple(code for code, rule in RULES.items() if rule.mcid_points is not None)


@dataclass(frozen=True)
class OutcomeRow:
    code: str
    name: str
    therapist_id: int | None  # None: the clinic (or the therapist's own caseload) as a whole
    therapist_name: str
    patients: int
    change_sum: Decimal
    improved: int
    higher_is_better: bool

    @property
    def mean_change(self) -> Decimal | None:
        return (self.change_sum / self.patients).quantize(Decimal("0.01")) if self.patients else None

    @property
    def improved_pct(self) -> Decimal | None:
        return (
            (Decimal(self.improved) * 100 / self.patients).quantize(Decimal("0.1")) if self.patients else None
        )


@dataclass(frozen=True)
class OutcomeReport:
    totals: list[OutcomeRow]  # one per questionnaire
    by_therapist: list[OutcomeRow]  # one per therapist and questionnaire (managers only)


def outcome_report(
    *, user: User, start: date, end: date, therapist: User | None = None, **_ignored
) -> OutcomeReport:
    """The outcome figures for the patients `user` may see (optionally one therapist's)."""
    patients = report_patients(user=user, therapist=therapist)
    latest_follow_ups = Response.objects.filter(
        patient__in=patients.values("pk"),
        instrument_code__in=REPORTED,
        due_date__gte=start,
        due_date__lte=end,
        score__change__isnull=False,
    ).filter(
        ~Exists(
            Response.objects.filter(
                patient_id=OuterRef("patient_id"),
                instrument_code=OuterRef("instrument_code"),
                due_date__gt=OuterRef("due_date"),
                due_date__lte=end,
                score__change__isnull=False,
            )
        )
    )
    grouped = (
        latest_follow_ups.order_by()
        .values("patient__therapist_id", "instrument_code")
        .annotate(
            patients=Count("patient_id"),
            change_sum=Sum("score__change"),
            improved=Count("pk", filter=Q(score__meaningful="better")),
        )
    )
    rows = list(grouped)
    compared = Patient.objects.may_compare_therapists(user)
    names = {}
    if compared and rows:
        names = {
            t.pk: t.get_full_name() or t.username
            for t in User.objects.filter(pk__in={row["patient__therapist_id"] for row in rows})
        }
    totals, by_therapist = [], []
    for code in REPORTED:
        rule = RULES[code]
        mine = [row for row in rows if row["instrument_code"] == code]
        totals.append(
            OutcomeRow(
                code,
                rule.name,
                None,
                "",
                sum(row["patients"] for row in mine),
                sum((row["change_sum"] for row in mine), Decimal(0)),
                sum(row["improved"] for row in mine),
                rule.higher_is_better,
            )
        )
        if compared:
            by_therapist += [
                OutcomeRow(
                    code,
                    rule.name,
                    row["patient__therapist_id"],
                    names.get(row["patient__therapist_id"], ""),
                    row["patients"],
                    row["change_sum"],
                    row["improved"],
                    rule.higher_is_better,
                )
                for row in mine
            ]
    by_therapist.sort(key=lambda row: (row.therapist_name, REPORTED.index(row.code)))
    return OutcomeReport(totals=totals, by_therapist=by_therapist)


CSV_COLUMNS = (
    "questionnaire",
    "therapist_id",
    "therapist",
    "patients_with_baseline_and_follow_up",
    "mean_change",
    "patients_meaningfully_improved",
    "meaningfully_improved_pct",
)


def outcome_csv_rows(report: OutcomeReport):
    for row in [*report.totals, *report.by_therapist]:
        yield (
            row.code,
            "" if row.therapist_id is None else row.therapist_id,
            row.therapist_name or "all",
            row.patients,
            "" if row.mean_change is None else row.mean_change,
            row.improved,
            "" if row.improved_pct is None else row.improved_pct,
        )
