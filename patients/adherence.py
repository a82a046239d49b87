"""Adherence: the one definition every page, export and endpoint uses.

The patient's own pages ("this week"), the therapist's caseload (last 14 days), the patient
detail page (one row per plan week), the clinic report (summary, per therapist, 7-day chart,
per patient), its CSV exports and the API all count through this module, so the same patient
and days give the same figures everywhere.

Definitions (shown on the report page, reports/templates/reports/_definitions.html):

- A **prescribed day** is a day, up to today, on which the patient had a counted plan
  (approved, paused, completed or superseded — never a draft) covering it, and which falls in
  none of that plan's pauses. A plan covers its days from its start date; a plan that
  replaced an earlier version, from the later of its start date and the day it was approved;
  a superseded plan stops the day before it was replaced; a completed plan stops after the
  day it was completed. One session is prescribed per prescribed day.
- **Exercises prescribed** on a prescribed day are the plan's exercises of weeks 1..N (each
  week adds to the ones before), where N is the week the patient was actually in that day,
  as the progression engine placed them: holds, the therapist's overrides and automatic
  moves included. It is what the patient was shown that day, never a calendar guess.
- A **session logged** counts when it is dated on a prescribed day; **exercises done** are
  the exercises marked done in those sessions (`SessionLog.exercises_done`).

Where the weeks come from: `ProgressionPeriod` rows (week, first day, last day or empty for
"still in it", exercises a day), one per stretch of days in one week, written by
`periods_store` from the engine's decision whenever a plan is re-evaluated under its lock
(`patients.progression_services._refresh`: a session logged, an override, a page's daily
refresh, `manage.py evaluate_plans`), and made final when a plan is superseded or completed.
A plan's periods cover its days from its start date without gaps; every figure clips them to
the plan's covered days and to the window, less paused days:

    prescribed days      = Σ |period ∩ covered ∩ window| − |pause ∩ period ∩ covered ∩ window|
    exercises prescribed = the same days, each times the period's exercises a day

Windows: `patient_week_window` (the plan week the patient is in, from the day the engine
put them in it, to today), `last_days_window` (the caseload's last 14 days), a report range
(`reports.selectors`), and per plan week (`plan_week_rows`).

Days are integer day numbers (days since 1970-01-01) in SQL, so interval arithmetic is the
same on PostgreSQL and SQLite: a plan covers [ps, pe), a period [a, b), a pause [pa, pb).
The day a plan was approved or ended is taken in the clinic's time zone.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate

from .models import Patient, Plan, PlanExercise, PlanPause, ProgressionPeriod, SessionLog
from .progression import ProgressionDecision, WeekPeriod

EPOCH = date(1970, 1, 1)
FAR = 10_000_000  # a day number far beyond any real date: "no end"
CASELOAD_DAYS = 14

COUNTED_STATUSES = (
    Plan.Status.APPROVED,
    Plan.Status.PAUSED,
    Plan.Status.COMPLETED,
    Plan.Status.SUPERSEDED,
)


def day_number(day: date) -> int:
    return (day - EPOCH).days


def day_from_number(number: int) -> date:
    return EPOCH + timedelta(days=number)


class DayNumber(Func):
    """Days since 1970-01-01 of a date expression, as an integer, on PostgreSQL and SQLite."""

    output_field = IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql})::date - DATE '1970-01-01')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)", params


def _int(value: int) -> Value:
    return Value(value, output_field=IntegerField())


def counted(prefix: str = "") -> Q:
    """Plans whose days can be prescribed: approved once, whatever happened since."""
    return Q(**{f"{prefix}status__in": COUNTED_STATUSES, f"{prefix}approved_at__isnull": False})


def plan_span(prefix: str, tz: zoneinfo.ZoneInfo) -> dict:
    """Expressions for a plan's covered days [ps, pe) and its start day sd, for `prefix`."""
    p = prefix

    def day(name):
        return DayNumber(TruncDate(f"{p}{name}", tzinfo=tz))

    start = DayNumber(F(f"{p}start_date"))
    return {
        "sd": start,
        "ps": Case(
            When(**{f"{p}previous_version__isnull": True}, then=start),
            default=Greatest(start, day("approved_at")),
            output_field=IntegerField(),
        ),
        "pe": Case(
            When(**{f"{p}status": Plan.Status.SUPERSEDED}, then=Coalesce(day("ended_at"), _int(FAR))),
            When(**{f"{p}status": Plan.Status.COMPLETED}, then=Coalesce(day("ended_at") + 1, _int(FAR))),
            default=_int(FAR),
            output_field=IntegerField(),
        ),
    }


# --- The periods: written in one place -------------------------------------------------------


def _wanted_periods(decision: ProgressionDecision) -> list[tuple[int, date, date | None]]:
    """(week, start, end) rows for a decision: the last one open ("still in it")."""
    periods = list(decision.periods) or [
        WeekPeriod(week=decision.week, start=decision.week_started_on, end=decision.week_started_on)
    ]
    rows: list[tuple[int, date, date | None]] = [(p.week, p.start, p.end) for p in periods]
    week, start, _end = rows[-1]
    rows[-1] = (week, start, None)
    return rows


def _stored_periods(plan: Plan) -> list[tuple[int, date, date | None]]:
    return list(
        ProgressionPeriod.objects.filter(plan=plan).order_by("start").values_list("week", "start", "end")
    )


def periods_store(*, plan: Plan, decision: ProgressionDecision) -> bool:
    """Make the plan's stored periods those of the engine's `decision`; True when they changed.

    Called by the plan's one writer (`progression_services._refresh`) and the plan's
    life-cycle services, inside their transaction. Reads the stored rows (one query) and
    replaces them, under the plan's row lock, only when they differ, so an evaluation that
    moves no one writes nothing.
    """
    wanted = _wanted_periods(decision)
    if _stored_periods(plan) == wanted:
        return False
    # Write under the plan's row lock (a session log and an override hold it already; a page's
    # daily refresh may not), and read again: another evaluation may have just stored them.
    list(Plan.objects.select_for_update().filter(pk=plan.pk).values_list("pk"))
    if _stored_periods(plan) == wanted:
        return False
    per_week = dict(
        PlanExercise.objects.filter(week__plan=plan)
        .order_by()
        .values("week__number")
        .annotate(n=Count("pk"))
        .values_list("week__number", "n")
    )
    ProgressionPeriod.objects.filter(plan=plan).delete()
    ProgressionPeriod.objects.bulk_create(
        ProgressionPeriod(
            plan=plan,
            week=week,
            start=start,
            end=end,
            exercises_per_day=sum(n for number, n in per_week.items() if number <= week),
        )
        for week, start, end in wanted
    )
    return True


# --- Prescribed days and exercises ------------------------------------------------------------


def _overlap(los, his):
    """Length in days of the intersection of [lo, hi) intervals; 0 when they do not meet."""
    return Greatest(_int(0), Least(*his) - Greatest(*los), output_field=IntegerField())


def _period_bounds(prefix: str = "") -> dict:
    """A period's days [a, b) as day numbers."""
    return {
        "a": DayNumber(F(f"{prefix}start")),
        "b": Coalesce(DayNumber(F(f"{prefix}end")) + 1, _int(FAR)),
    }


def _period_days(lo: int, hi: int):
    """Days of a period row (annotated a, b, ps, pe) in the window [lo, hi), pauses aside."""
    return _overlap([F("a"), F("ps"), _int(lo)], [F("b"), F("pe"), _int(hi)])


def _paused_period_days(lo: int, hi: int):
    """Days of a period × pause row (also annotated pa, pb) in the window [lo, hi)."""
    return _overlap([F("a"), F("ps"), F("pa"), _int(lo)], [F("b"), F("pe"), F("pb"), _int(hi)])


def counted_periods(tz: zoneinfo.ZoneInfo) -> QuerySet[ProgressionPeriod]:
    """Periods of counted plans, annotated with their days [a, b) and the plan's [ps, pe)."""
    return (
        ProgressionPeriod.objects.filter(counted("plan__"))
        .annotate(**plan_span("plan__", tz))
        .annotate(**_period_bounds())
    )


def _paused_periods(tz: zoneinfo.ZoneInfo) -> QuerySet[ProgressionPeriod]:
    """`counted_periods` × the plan's pauses, each annotated with the pause's days [pa, pb)."""
    return (
        counted_periods(tz)
        .filter(plan__pauses__isnull=False)
        .annotate(
            pa=DayNumber(F("plan__pauses__paused_on")),
            pb=Coalesce(DayNumber(F("plan__pauses__resumed_on")), _int(FAR)),
        )
    )


GROUPS = {"patient": "plan__patient_id", "period": "pk", None: None}


def prescribed(
    *,
    patients: QuerySet[Patient],
    windows: dict[str, tuple[date, date]],
    tz: zoneinfo.ZoneInfo,
    group: str | None = "patient",
) -> dict:
    """Prescribed days and exercises in each inclusive window, per patient, per period or in
    total: {patient id, period id or None: {"days_<window>": n, "ex_<window>": n}}.

    Two grouped queries whatever the number of patients or windows: periods, and periods ×
    their plan's pauses (the pauses of one plan never overlap).
    """
    scope = patients.values("pk")
    field = GROUPS[group]
    bounds = {name: (day_number(first), day_number(last) + 1) for name, (first, last) in windows.items()}

    def grouped(queryset, days):
        sums = {}
        for name, (lo, hi) in bounds.items():
            sums[f"d_{name}"] = Sum(days(lo, hi))
            sums[f"e_{name}"] = Sum(days(lo, hi) * F("exercises_per_day"))
        queryset = queryset.filter(plan__patient__in=scope).order_by()
        if field is None:
            return {None: queryset.aggregate(**sums)}
        return {row.pop(field): row for row in queryset.values(field).annotate(**sums)}

    gross = grouped(counted_periods(tz), _period_days)
    paused = grouped(_paused_periods(tz), _paused_period_days)
    out: dict = {}
    for key, row in gross.items():
        less = paused.get(key, {})
        target = out.setdefault(key, {})
        for name in bounds:
            target[f"days_{name}"] = (row[f"d_{name}"] or 0) - (less.get(f"d_{name}") or 0)
            target[f"ex_{name}"] = (row[f"e_{name}"] or 0) - (less.get(f"e_{name}") or 0)
    return out


# --- Sessions on prescribed days ---------------------------------------------------------------


def _covering_plans(tz: zoneinfo.ZoneInfo, patient_field: str, date_field: str) -> QuerySet[Plan]:
    """The outer row's patient's counted plans that cover its `date_field` (pauses aside)."""
    day = DayNumber(OuterRef(date_field))
    return (
        Plan.objects.filter(counted(), patient=OuterRef(patient_field))
        .annotate(**plan_span("", tz))
        .filter(ps__lte=day, pe__gt=day)
    )


def _on_prescribed_day(tz: zoneinfo.ZoneInfo, patient_field: str, date_field: str) -> Exists:
    """True when the outer row's `date_field` is a prescribed day of its patient: one of the
    patient's counted plans covers it and is not paused that day."""
    pause = PlanPause.objects.filter(
        plan=OuterRef("pk"), paused_on__lte=OuterRef(OuterRef(date_field))
    ).filter(Q(resumed_on__isnull=True) | Q(resumed_on__gt=OuterRef(OuterRef(date_field))))
    return Exists(_covering_plans(tz, patient_field, date_field).exclude(Exists(pause)))


def _in_a_covering_pause(tz: zoneinfo.ZoneInfo, patient_field: str, date_field: str) -> Exists:
    """True when a pause of one of the patient's counted plans covering the outer row's
    `date_field` covers that day too (the day may still be prescribed by another plan)."""
    day = DayNumber(OuterRef(date_field))
    return Exists(
        PlanPause.objects.filter(counted("plan__"), plan__patient=OuterRef(patient_field))
        .filter(paused_on__lte=OuterRef(date_field))
        .filter(Q(resumed_on__isnull=True) | Q(resumed_on__gt=OuterRef(date_field)))
        .annotate(**plan_span("plan__", tz))
        .filter(ps__lte=day, pe__gt=day)
    )


def counted_sessions(
    *, start: date, end: date, tz: zoneinfo.ZoneInfo
) -> tuple[QuerySet[SessionLog], QuerySet[SessionLog]]:
    """Sessions from `start` to `end` logged on a prescribed day, as two disjoint sets that
    together are exactly them, each cheap for the database: sessions on a day some counted
    plan covers and no covering plan is paused (a semi-join and an anti-join, whatever the
    number of sessions), and the few sessions on a day a covering plan is paused, checked
    plan by plan (another plan may cover that day)."""
    in_range = SessionLog.objects.filter(date__range=(start, end))
    paused = _in_a_covering_pause(tz, "patient", "date")
    return (
        in_range.filter(Exists(_covering_plans(tz, "patient", "date"))).filter(~paused),
        in_range.filter(paused).filter(_on_prescribed_day(tz, "patient", "date")),
    )


def sessions_on_prescribed_days(*, start: date, end: date, tz: zoneinfo.ZoneInfo) -> QuerySet[SessionLog]:
    """`counted_sessions` as one queryset (for one patient's pages; reports use the parts)."""
    unpaused, paused = counted_sessions(start=start, end=end, tz=tz)
    return SessionLog.objects.filter(Q(pk__in=unpaused.values("pk")) | Q(pk__in=paused.values("pk")))


# --- Figures for a window ------------------------------------------------------------------


def percent(part: int, whole: int) -> float | None:
    """part / whole in percent (None when nothing was prescribed)."""
    return part * 100.0 / whole if whole else None


@dataclass(frozen=True)
class Adherence:
    """Adherence over some days: what was prescribed and what was done on prescribed days."""

    start: date
    end: date
    days_prescribed: int = 0
    sessions_logged: int = 0
    exercises_prescribed: int = 0
    exercises_done: int = 0
    week: int | None = None  # the plan week, for a row per plan week

    @property
    def session_pct(self) -> float | None:
        return percent(self.sessions_logged, self.days_prescribed)

    @property
    def exercise_pct(self) -> float | None:
        return percent(self.exercises_done, self.exercises_prescribed)


def _tz_of(patient: Patient) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(patient.clinic.timezone)


def adherence_for(*, patient: Patient, start: date, end: date) -> Adherence:
    """One patient's adherence from `start` to `end` (inclusive). Three queries."""
    tz = _tz_of(patient)
    if start > end:
        return Adherence(start=start, end=end)
    one = Patient.objects.filter(pk=patient.pk)
    figures = prescribed(patients=one, windows={"w": (start, end)}, tz=tz).get(patient.pk, {})
    logged = (
        sessions_on_prescribed_days(start=start, end=end, tz=tz)
        .filter(patient=patient)
        .aggregate(n=Count("pk"), done=Sum("exercises_done"))
    )
    return Adherence(
        start=start,
        end=end,
        days_prescribed=figures.get("days_w", 0),
        sessions_logged=logged["n"],
        exercises_prescribed=figures.get("ex_w", 0),
        exercises_done=logged["done"] or 0,
    )


def patient_week_window(*, plan: Plan, today: date) -> tuple[date, date]:
    """The plan week the patient is in: from the day the engine put them in it, to today."""
    period = ProgressionPeriod.objects.filter(plan=plan, end__isnull=True).values_list("start", flat=True)
    first = period.first() or plan.start_date
    return first, today


def adherence_this_week(*, patient: Patient, plan: Plan, today: date) -> Adherence:
    """The patient's own "this week": the plan week they are in, from its first day to today."""
    start, end = patient_week_window(plan=plan, today=today)
    return adherence_for(patient=patient, start=start, end=end)


def last_days_window(*, today: date, days: int = CASELOAD_DAYS) -> tuple[date, date]:
    """The last `days` days, today included (the caseload's window)."""
    return today - timedelta(days=days - 1), today


def patient_annotations(*, start: date, end: date, tz: zoneinfo.ZoneInfo) -> dict:
    """Correlated expressions for a Patient queryset (a page of a list): days_prescribed,
    exercises_prescribed, sessions_logged and exercises_done from `start` to `end`."""
    lo, hi = day_number(start), day_number(end) + 1
    mine = {"plan__patient": OuterRef("pk")}

    def total(queryset, value):
        rows = queryset.filter(**mine).order_by().values("plan__patient").annotate(t=Sum(value)).values("t")
        return Coalesce(Subquery(rows, output_field=IntegerField()), _int(0))

    periods, paused = counted_periods(tz), _paused_periods(tz)
    days = _period_days(lo, hi)
    paused_days = _paused_period_days(lo, hi)
    sessions = sessions_on_prescribed_days(start=start, end=end, tz=tz).filter(patient=OuterRef("pk"))
    logged = sessions.order_by().values("patient")
    return {
        "days_prescribed": total(periods, days) - total(paused, paused_days),
        "exercises_prescribed": total(periods, days * F("exercises_per_day"))
        - total(paused, paused_days * F("exercises_per_day")),
        "sessions_logged": Coalesce(
            Subquery(logged.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), _int(0)
        ),
        "exercises_done": Coalesce(
            Subquery(logged.annotate(n=Sum("exercises_done")).values("n"), output_field=IntegerField()),
            _int(0),
        ),
    }


def plan_week_rows(*, patient: Patient, today: date) -> list[Adherence]:
    """One row per plan week the patient was in (each of their counted plans' periods, clipped
    to the days the plan covered and to today, a version's continuation of the same week
    joined to it), oldest first. Three queries."""
    tz = _tz_of(patient)
    one = Patient.objects.filter(pk=patient.pk)
    periods = list(
        counted_periods(tz)
        .filter(plan__patient=patient)
        .annotate(lo=Greatest(F("a"), F("ps")), hi=Least(F("b"), F("pe"), _int(day_number(today) + 1)))
        .filter(lo__lt=F("hi"))
        .order_by("lo")
        .values_list("pk", "week", "lo", "hi")
    )
    if not periods:
        return []
    first = day_from_number(periods[0][2])
    figures = prescribed(patients=one, windows={"w": (first, today)}, tz=tz, group="period")
    sessions = list(
        sessions_on_prescribed_days(start=first, end=today, tz=tz)
        .filter(patient=patient)
        .values_list("date", "exercises_done")
    )
    rows: list[Adherence] = []
    for pk, week, lo, hi in periods:
        start, end = day_from_number(lo), day_from_number(hi - 1)
        mine = [done for day, done in sessions if start <= day <= end]
        row = Adherence(
            start=start,
            end=end,
            week=week,
            days_prescribed=figures.get(pk, {}).get("days_w", 0),
            sessions_logged=len(mine),
            exercises_prescribed=figures.get(pk, {}).get("ex_w", 0),
            exercises_done=sum(mine),
        )
        if rows and rows[-1].week == week and rows[-1].end + timedelta(days=1) == start:
            last = rows.pop()
            row = Adherence(
                start=last.start,
                end=end,
                week=week,
                days_prescribed=last.days_prescribed + row.days_prescribed,
                sessions_logged=last.sessions_logged + row.sessions_logged,
                exercises_prescribed=last.exercises_prescribed + row.exercises_prescribed,
                exercises_done=last.exercises_done + row.exercises_done,
            )
        rows.append(row)
    return rows
