"""Adherence reports: a clinic's (or one therapist's) figures over a date range.

The report page, its CSV exports and the API all read through these functions, and they
count with `patients.adherence`, the one definition of prescribed days, sessions logged and
exercises prescribed and done (the week the patient was actually in, from the stored
progression periods) that the patient's pages, the caseload and the patient detail page use
too. The figures come from a fixed number of grouped queries over the patients a person may
see (`Patient.objects.visible_to`), whatever the number of patients or sessions: nothing here
loops over patients issuing queries. `adherence_figures` computes the per-patient rows once;
the summary, the per-therapist table, the 7-day chart and the patient table add them up.

Report-only definitions (shown on the report page, reports/templates/reports/_definitions.html):

- **At 80% or better**: patients with prescribed days whose sessions logged are at least
  80% of their prescribed days.
- **Pain change**: pain before the patient's last session in the range minus pain before
  their first one (two sessions or more); negative is better.
- **Flags**: *no session for 3+ days* — the range's last three days were all prescribed
  and none has a session; *worsening pain* — pain change of +2 or more; *alerts open* —
  safety alerts not yet acknowledged (whatever day they were raised).
- The chart's buckets are 7-day stretches from the range's first day, labelled by their
  dates (they are not plan weeks; those are on the patient detail page).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import Clinic, User
from patients.adherence import (
    DayNumber,
    counted,
    counted_sessions,
    day_from_number,
    day_number,
    percent,
    plan_span,
    prescribed,
)
from patients.models import Alert, Patient, Plan, SessionLog

ADHERENT_SHARE = (4, 5)  # sessions logged / prescribed >= 4/5 counts as adherent (80%)
WORSENING_PAIN_POINTS = 2
SILENT_DAYS = 3
MAX_RANGE_DAYS = 366


def _int(value: int) -> Value:
    return Value(value, output_field=IntegerField())


# --- The range and who is in it -------------------------------------------------------------


@dataclass(frozen=True)
class ReportRange:
    """A report's inclusive date range, and the clinic's time zone for "which day"."""

    start: date
    end: date
    tz: zoneinfo.ZoneInfo

    @property
    def first(self) -> int:
        return day_number(self.start)

    @property
    def stop(self) -> int:
        """Day number just after the range (exclusive end)."""
        return day_number(self.end) + 1

    @property
    def days(self) -> int:
        return self.stop - self.first

    def weeks(self) -> list[tuple[date, date]]:
        """7-day buckets from the range's start; the last one may be shorter."""
        out, day = [], self.start
        while day <= self.end:
            out.append((day, min(day + timedelta(days=6), self.end)))
            day += timedelta(days=7)
        return out


def report_range(*, clinic: Clinic, start: date, end: date) -> ReportRange:
    return ReportRange(start=start, end=end, tz=zoneinfo.ZoneInfo(clinic.timezone))


def report_patients(*, user: User, therapist: User | None = None) -> QuerySet[Patient]:
    """The patients a report for `user` covers: what they may see, optionally one therapist's."""
    patients = Patient.objects.visible_to(user)
    if therapist is not None:
        patients = patients.filter(therapist=therapist)
    return patients


def report_therapists(*, user: User) -> QuerySet[User]:
    """Therapists whose caseload `user` may report on (for the therapist filter)."""
    visible = Patient.objects.visible_to(user)
    return (
        User.objects.filter(role=User.Role.THERAPIST, pk__in=visible.values("therapist_id"))
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def _sum_per_patient(queryset: QuerySet, patient_field: str, value) -> Coalesce:
    rows = queryset.order_by().values(patient_field).annotate(total=value).values("total")
    return Coalesce(Subquery(rows, output_field=IntegerField()), _int(0))


# --- Per patient ------------------------------------------------------------------------------
#
# The figures are computed once per report by a fixed number of grouped queries (one row per
# patient, or per patient and week for the sessions), never one query per patient, and the
# summary, the per-therapist table, the weekly trend and the patient table are all added up
# from those rows. The expensive part, the sessions and their exercises done, is read once.


@dataclass
class PatientFigures:
    """One patient's figures for a report range (see the definitions at the top)."""

    patient_id: int
    therapist_id: int
    rank: int  # position in name order (last name, first name, id), as the database sorts
    session_count: int = 0  # sessions in the range, prescribed day or not (for pain change)
    first_pain: int | None = None
    last_pain: int | None = None
    last_session: date | None = None
    open_alerts: int = 0
    prescribed_days: int = 0
    last3_prescribed: int = 0
    exercises_prescribed: int = 0
    sessions_logged: int = 0
    exercises_done: int = 0
    # Derived from the figures above by `_derive`:
    session_pct: float | None = None
    exercise_pct: float | None = None
    pain_change: int | None = None
    adherent: int = 0
    flag_silent: bool = False
    flag_worsening: bool = False
    flag_alerts: bool = False

    FIGURES = (
        "prescribed_days",
        "sessions_logged",
        "exercises_prescribed",
        "exercises_done",
        "session_pct",
        "exercise_pct",
        "first_pain",
        "last_pain",
        "pain_change",
        "last_session",
        "open_alerts",
        "flag_silent",
        "flag_worsening",
        "flag_alerts",
        "adherent",
    )


def _derive(row: PatientFigures, *, silent_from: date) -> PatientFigures:
    row.session_pct = percent(row.sessions_logged, row.prescribed_days)
    row.exercise_pct = percent(row.exercises_done, row.exercises_prescribed)
    two_sessions = row.session_count >= 2
    row.pain_change = row.last_pain - row.first_pain if two_sessions else None
    row.adherent = int(
        row.prescribed_days > 0
        and row.sessions_logged * ADHERENT_SHARE[1] >= row.prescribed_days * ADHERENT_SHARE[0]
    )
    row.flag_silent = row.last3_prescribed >= SILENT_DAYS and (
        row.last_session is None or row.last_session < silent_from
    )
    row.flag_worsening = two_sessions and row.last_pain >= row.first_pain + WORSENING_PAIN_POINTS
    row.flag_alerts = row.open_alerts > 0
    return row


@dataclass
class AdherenceFigures:
    """Everything a report shows, from one pass over the data."""

    rng: ReportRange
    patients: list[PatientFigures]  # name order
    sessions_by_week: dict[int, tuple[int, int]]  # bucket → (sessions logged, exercises done)


def _counted_sessions_by_week(rng: ReportRange, patients: QuerySet[Patient]) -> QuerySet:
    """Sessions logged on a prescribed day and their exercises done, per patient and 7-day bucket.

    The prescribed-day test is a semi-join against the patient's counted plans (and an
    anti-join against that plan's pauses); exercises done are added up from each session's
    stored count (`SessionLog.exercises_done`, kept by `patients.services.session_log`), so
    the session-exercise rows are not read at all.
    """
    unpaused, paused = (
        part.filter(patient__in=patients.values("pk"))
        .annotate(bucket=(DayNumber(F("date")) - _int(rng.first)) / 7)
        .order_by()
        .values("patient_id", "bucket")
        .annotate(sessions=Count("pk"), done_total=Sum("exercises_done"))
        .values_list("patient_id", "bucket", "sessions", "done_total")
        for part in counted_sessions(start=rng.start, end=rng.end, tz=rng.tz)
    )
    # One query; a (patient, bucket) may come once from each part: the caller adds them up.
    return unpaused.union(paused, all=True)


def adherence_figures(
    *, user: User, clinic: Clinic, start: date, end: date, therapist: User | None = None
) -> AdherenceFigures:
    """Per-patient figures for everyone a report covers: patients with a counted plan in the
    range. Six grouped queries, whatever the number of patients or sessions."""
    rng = report_range(clinic=clinic, start=start, end=end)
    last3 = max(rng.first, rng.stop - SILENT_DAYS)
    patients = report_patients(user=user, therapist=therapist)
    overlapping_plan = (
        Plan.objects.filter(counted(), patient=OuterRef("pk"))
        .annotate(**plan_span("", rng.tz))
        .filter(ps__lt=rng.stop, pe__gt=rng.first)
    )
    in_range = SessionLog.objects.filter(patient=OuterRef("pk"), date__range=(start, end)).order_by()
    pain = in_range.values("pain_before")
    open_alerts = Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
    # 1. Who is in the report, in name order, with the figures one index lookup away.
    people = (
        patients.filter(Exists(overlapping_plan))
        .annotate(
            # Count a column of the (patient, date) index: answered from the index alone.
            session_count=_sum_per_patient(in_range, "patient", Count("date")),
            first_pain=Subquery(pain.order_by("date")[:1], output_field=IntegerField()),
            last_pain=Subquery(pain.order_by("-date")[:1], output_field=IntegerField()),
            last_session=Subquery(
                SessionLog.objects.filter(patient=OuterRef("pk"), date__lte=end)
                .order_by("-date")
                .values("date")[:1]
            ),
            open_alerts_n=_sum_per_patient(open_alerts, "patient", Count("pk")),
        )
        .order_by(*PATIENT_ORDERINGS["name"])
        .values_list(
            "pk", "therapist_id", "session_count", "first_pain", "last_pain", "last_session", "open_alerts_n"
        )
    )
    rows: dict[int, PatientFigures] = {}
    for rank, (pk, therapist_id, count, first, last, last_session, alerts) in enumerate(people):
        rows[pk] = PatientFigures(
            patient_id=pk,
            therapist_id=therapist_id,
            rank=rank,
            session_count=count,
            first_pain=first,
            last_pain=last,
            last_session=last_session,
            open_alerts=alerts,
        )
    # 2. Prescribed days and exercises, plan by plan (and days among the range's last three).
    windows = {"range": (start, end), "last3": (day_from_number(last3), end)}
    for pk, row in prescribed(patients=patients, windows=windows, tz=rng.tz).items():
        if pk in rows:
            rows[pk].prescribed_days = row["days_range"]
            rows[pk].last3_prescribed = row["days_last3"]
            rows[pk].exercises_prescribed = row["ex_range"]
    # 3. Sessions on prescribed days and their exercises done, per patient and week.
    by_week: dict[int, tuple[int, int]] = {}
    for pk, bucket, sessions, done in _counted_sessions_by_week(rng, patients):
        done = done or 0
        logged, done_before = by_week.get(bucket, (0, 0))
        by_week[bucket] = (logged + sessions, done_before + done)
        if pk in rows:
            rows[pk].sessions_logged += sessions
            rows[pk].exercises_done += done
    silent_from = day_from_number(last3)
    figures = [_derive(row, silent_from=silent_from) for row in rows.values()]
    return AdherenceFigures(rng=rng, patients=figures, sessions_by_week=by_week)


PATIENT_ORDERINGS = {
    "adherence": ["session_pct", "user__last_name", "user__first_name", "pk"],
    "name": ["user__last_name", "user__first_name", "pk"],
}


def patient_rows_sorted(rows: list[PatientFigures], order: str) -> list[PatientFigures]:
    """The patient table's order: by name, or by session adherence (lowest first, patients
    without prescribed days last), then by name."""
    if order == "adherence":
        return sorted(rows, key=lambda r: (r.session_pct is None, r.session_pct or 0.0, r.rank))
    return sorted(rows, key=lambda r: r.rank)


def patients_with_figures(rows: list[PatientFigures]) -> list[Patient]:
    """Patient objects (user and therapist loaded) carrying their figures, in `rows`' order.

    One query for the whole list: use it on a page of rows, or in chunks for an export.
    """
    loaded = Patient.objects.select_related("user", "therapist").in_bulk([r.patient_id for r in rows])
    out = []
    for row in rows:
        patient = loaded[row.patient_id]
        for name in PatientFigures.FIGURES:
            setattr(patient, name, getattr(row, name))
        out.append(patient)
    return out


def adherence_by_patient(
    *,
    user: User,
    clinic: Clinic,
    start: date,
    end: date,
    therapist: User | None = None,
    order: str = "name",
    figures: AdherenceFigures | None = None,
) -> list[Patient]:
    """One Patient per patient with a counted plan in the range, in `order`, figures attached.

    Fields: prescribed_days, sessions_logged, exercises_prescribed, exercises_done,
    session_pct, exercise_pct (None without prescribed days), first_pain, last_pain,
    pain_change (None with fewer than two sessions), last_session (date or None),
    open_alerts, flag_silent, flag_worsening, flag_alerts, adherent.
    """
    if figures is None:
        figures = adherence_figures(user=user, clinic=clinic, start=start, end=end, therapist=therapist)
    return patients_with_figures(patient_rows_sorted(figures.patients, order))


# --- Per therapist and for the whole report --------------------------------------------------


def adherence_by_therapist(
    *,
    user: User,
    clinic: Clinic,
    start: date,
    end: date,
    therapist: User | None = None,
    figures: AdherenceFigures | None = None,
) -> list[dict]:
    """One dict per therapist: patients, the adherence sums, share at 80%+, pain, alerts."""
    if figures is None:
        figures = adherence_figures(user=user, clinic=clinic, start=start, end=end, therapist=therapist)
    sums: dict[int, dict] = {}
    for row in figures.patients:
        out = sums.setdefault(row.therapist_id, dict.fromkeys(TOTAL_KEYS, 0))
        out["patients"] += 1
        out["patients_with_days"] += row.prescribed_days > 0
        out["adherent_patients"] += row.adherent
        out["prescribed_days_total"] += row.prescribed_days
        out["sessions_logged_total"] += row.sessions_logged
        out["exercises_prescribed_total"] += row.exercises_prescribed
        out["exercises_done_total"] += row.exercises_done
        out["open_alerts_total"] += row.open_alerts
        if row.pain_change is not None:
            out["pain_change_sum"] += row.pain_change
            out["pain_change_patients"] += 1
    therapists = (
        User.objects.filter(pk__in=list(sums))
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", "first_name", "last_name", "username")
    )
    return [
        _with_rates(
            {
                "therapist_id": pk,
                "therapist__first_name": first,
                "therapist__last_name": last,
                "therapist__username": username,
                **sums[pk],
            }
        )
        for pk, first, last, username in therapists
    ]


def _with_rates(row: dict) -> dict:
    row = dict(row)
    row["therapist_name"] = (
        f"{row.pop('therapist__first_name')} {row.pop('therapist__last_name')}".strip()
        or row["therapist__username"]
    )
    row["session_pct"] = percent(row["sessions_logged_total"], row["prescribed_days_total"])
    row["exercise_pct"] = percent(row["exercises_done_total"], row["exercises_prescribed_total"])
    row["adherent_pct"] = percent(row["adherent_patients"], row["patients_with_days"])
    row["pain_change_avg"] = (
        row["pain_change_sum"] / row["pain_change_patients"] if row["pain_change_patients"] else None
    )
    return row


TOTAL_KEYS = (
    "patients",
    "patients_with_days",
    "adherent_patients",
    "prescribed_days_total",
    "sessions_logged_total",
    "exercises_prescribed_total",
    "exercises_done_total",
    "open_alerts_total",
    "pain_change_sum",
    "pain_change_patients",
)


def adherence_summary(
    *,
    user: User,
    clinic: Clinic,
    start: date,
    end: date,
    therapist: User | None = None,
    by_therapist: list[dict] | None = None,
) -> dict:
    """The report's headline figures: the per-therapist sums added up.

    Pass `by_therapist` when already computed (the page needs both) to save the work.
    """
    if by_therapist is None:
        by_therapist = adherence_by_therapist(
            user=user, clinic=clinic, start=start, end=end, therapist=therapist
        )
    totals = {key: sum(row[key] or 0 for row in by_therapist) for key in TOTAL_KEYS}
    totals["therapist__username"] = ""
    totals["therapist__first_name"] = totals["therapist__last_name"] = ""
    summary = _with_rates(totals)
    del summary["therapist_name"], summary["therapist__username"]
    return summary


# --- Per week ----------------------------------------------------------------------------------


def adherence_weekly(
    *,
    user: User,
    clinic: Clinic,
    start: date,
    end: date,
    therapist: User | None = None,
    figures: AdherenceFigures | None = None,
) -> list[dict]:
    """One dict per 7-day bucket from `start`: prescribed and logged sessions and exercises.

    Four grouped queries for what was prescribed (whatever the number of patients or weeks);
    what was logged comes from the per-patient figures' sessions query, grouped by week.
    """
    if figures is None:
        figures = adherence_figures(user=user, clinic=clinic, start=start, end=end, therapist=therapist)
    rng = figures.rng
    patients = report_patients(user=user, therapist=therapist)
    buckets = rng.weeks()
    windows = {f"w{i}": bucket for i, bucket in enumerate(buckets)}
    totals = prescribed(patients=patients, windows=windows, tz=rng.tz, group=None).get(None, {})
    out = []
    for i, (first, last) in enumerate(buckets):
        sessions, done = figures.sessions_by_week.get(i, (0, 0))
        days, ex_prescribed = totals.get(f"days_w{i}", 0), totals.get(f"ex_w{i}", 0)
        out.append(
            {
                "start": first,
                "end": last,
                "sessions_prescribed": days,
                "sessions_logged": sessions,
                "exercises_prescribed": ex_prescribed,
                "exercises_done": done,
                "session_pct": percent(sessions, days),
                "exercise_pct": percent(done, ex_prescribed),
            }
        )
    return out
