"""Adherence figures, computed by the database.

The report page, its CSV exports and the API all read through these functions. Every
figure is one SQL query over the patients a person may see (`Patient.objects.visible_to`),
whatever the number of patients: nothing here loops over patients issuing queries.

Days are handled as integer day numbers (days since 1970-01-01) so that interval
arithmetic is the same on PostgreSQL and SQLite. A plan *covers* the half-open interval
[ps, pe) of day numbers; pauses cover [paused_on, resumed_on) (an open pause runs on).

Definitions (shown on the report page, see reports/templates/reports/_definitions.html):

- A **prescribed day** is a day in the range, up to today, on which the patient had an
  approved plan (approved, paused, completed or superseded — never a draft), from the plan's
  start date, and which falls in none of the plan's pauses. A plan that replaced an earlier
  version counts from the later of its start date and the day it was approved; a
  superseded plan stops the day before it was replaced; a completed plan stops after the
  day it was completed. One session is prescribed per prescribed day.
- **Exercises prescribed** on a prescribed day are the plan's exercises of weeks 1..N
  (each week adds to the ones before), where N is the plan's calendar week on that day:
  week N starts on start_date + 7×(N−1); after the plan's last week, the last week's
  exercises.
- A **session logged** counts when it is dated on a prescribed day; **exercises done**
  are the exercises marked done in those sessions.
- **At 80% or better**: patients with prescribed days whose sessions logged are at least
  80% of their prescribed days.
- **Pain change**: pain before the patient's last session in the range minus pain before
  their first one (two sessions or more); negative is better.
- **Flags**: *no session for 3+ days* — the range's last three days were all prescribed
  and none has a session; *worsening pain* — pain change of +2 or more; *alerts open* —
  safety alerts not yet acknowledged (whatever day they were raised).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
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
from django.db.models.lookups import GreaterThanOrEqual

from accounts.models import Clinic, User
from patients.models import (
    Alert,
    Patient,
    Plan,
    PlanExercise,
    PlanPause,
    PlanWeek,
    SessionExercise,
    SessionLog,
)

EPOCH = date(1970, 1, 1)
FAR = 10_000_000  # a day number far beyond any real date: "no end"
ADHERENT_SHARE = (4, 5)  # sessions logged / prescribed >= 4/5 counts as adherent (80%)
WORSENING_PAIN_POINTS = 2
SILENT_DAYS = 3
MAX_RANGE_DAYS = 366

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


def _overlap(lo_a, hi_a, lo_b, hi_b):
    """Length in days of [lo_a, hi_a) ∩ [lo_b, hi_b); 0 when they do not meet."""
    return Greatest(_int(0), Least(hi_a, hi_b) - Greatest(lo_a, lo_b), output_field=IntegerField())


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


# --- Plans: which days they cover --------------------------------------------------------------


def _plan_span(prefix: str, tz: zoneinfo.ZoneInfo) -> dict:
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


def _counted(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": COUNTED_STATUSES, f"{prefix}approved_at__isnull": False})


def _paused_days(plan_ref, lo, hi):
    """Days of the plan's pauses inside [lo, hi) (pauses of one plan never overlap)."""
    pauses = (
        PlanPause.objects.filter(plan=plan_ref)
        .annotate(
            d=_overlap(
                DayNumber(F("paused_on")),
                Coalesce(DayNumber(F("resumed_on")), _int(FAR)),
                lo,
                hi,
            )
        )
        .order_by()
        .values("plan")
        .annotate(total=Sum("d"))
        .values("total")
    )
    return Coalesce(Subquery(pauses, output_field=IntegerField()), _int(0))


def counted_plans(rng: ReportRange) -> QuerySet[Plan]:
    """Plans that count, with ps/pe/sd and `days`: their prescribed days in the range."""
    lo = Greatest(F("ps"), _int(rng.first))
    hi = Least(F("pe"), _int(rng.stop))
    return (
        Plan.objects.filter(_counted())
        .annotate(**_plan_span("", rng.tz))
        .annotate(
            days=ExpressionWrapper(
                Greatest(_int(0), hi - lo)
                - _paused_days(
                    OuterRef("pk"),
                    Greatest(OuterRef("ps"), _int(rng.first)),
                    Least(OuterRef("pe"), _int(rng.stop)),
                ),
                output_field=IntegerField(),
            )
        )
    )


def _plan_days_in(first: int, stop: int) -> ExpressionWrapper:
    """For a counted_plans() row: its prescribed days in [first, stop)."""
    return ExpressionWrapper(
        Greatest(_int(0), Least(F("pe"), _int(stop)) - Greatest(F("ps"), _int(first)))
        - _paused_days(
            OuterRef("pk"),
            Greatest(OuterRef("ps"), _int(first)),
            Least(OuterRef("pe"), _int(stop)),
        ),
        output_field=IntegerField(),
    )


def counted_plan_weeks(rng: ReportRange) -> QuerySet[PlanWeek]:
    """Weeks of counted plans with their calendar window [ws, we) and `cum`, the exercises
    prescribed per day in that week (weeks 1..N)."""
    span = _plan_span("plan__", rng.tz)
    next_week = PlanWeek.objects.filter(plan=OuterRef("plan"), number=OuterRef("number") + 1)
    cumulative = (
        PlanExercise.objects.filter(week__plan=OuterRef("plan"), week__number__lte=OuterRef("number"))
        .order_by()
        .values("week__plan")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return (
        PlanWeek.objects.filter(_counted("plan__"))
        .annotate(**span)
        .annotate(
            ws=F("sd") + 7 * (F("number") - 1),
            we=Case(
                When(Exists(next_week), then=F("sd") + 7 * F("number")),
                default=_int(FAR),
                output_field=IntegerField(),
            ),
            cum=Coalesce(Subquery(cumulative, output_field=IntegerField()), _int(0)),
        )
    )


def _week_exercises_in(first: int, stop: int) -> ExpressionWrapper:
    """For a counted_plan_weeks() row: exercises prescribed in [first, stop)."""
    lo = Greatest(F("ps"), F("ws"), _int(first))
    hi = Least(F("pe"), F("we"), _int(stop))
    days = Greatest(_int(0), hi - lo) - _paused_days(
        OuterRef("plan"),
        Greatest(OuterRef("ps"), OuterRef("ws"), _int(first)),
        Least(OuterRef("pe"), OuterRef("we"), _int(stop)),
    )
    return ExpressionWrapper(days * F("cum"), output_field=IntegerField())


def _on_prescribed_day(rng: ReportRange, patient_field: str, date_field: str) -> Exists:
    """True when the outer row's `date_field` is a prescribed day of its patient."""
    day = DayNumber(OuterRef(date_field))
    pause = PlanPause.objects.filter(
        plan=OuterRef("pk"), paused_on__lte=OuterRef(OuterRef(date_field))
    ).filter(Q(resumed_on__isnull=True) | Q(resumed_on__gt=OuterRef(OuterRef(date_field))))
    return Exists(
        Plan.objects.filter(_counted(), patient=OuterRef(patient_field))
        .annotate(**_plan_span("", rng.tz))
        .filter(ps__lte=day, pe__gt=day)
        .exclude(Exists(pause))
    )


def counted_sessions(rng: ReportRange) -> QuerySet[SessionLog]:
    """Sessions in the range that were logged on a prescribed day."""
    return SessionLog.objects.filter(date__range=(rng.start, rng.end)).filter(
        _on_prescribed_day(rng, "patient", "date")
    )


def _sum_per_patient(queryset: QuerySet, patient_field: str, value) -> Coalesce:
    rows = queryset.order_by().values(patient_field).annotate(total=value).values("total")
    return Coalesce(Subquery(rows, output_field=IntegerField()), _int(0))


# --- Per patient ------------------------------------------------------------------------------


def adherence_by_patient(
    *, user: User, clinic: Clinic, start: date, end: date, therapist: User | None = None
) -> QuerySet[Patient]:
    """One row per patient with a counted plan in the range, every figure annotated.

    Fields: prescribed_days, sessions_logged, exercises_prescribed, exercises_done,
    session_pct, exercise_pct (None without prescribed days), first_pain, last_pain,
    pain_change (None with fewer than two sessions), last_session (date or None),
    open_alerts, flag_silent, flag_worsening, flag_alerts, adherent.
    """
    rng = report_range(clinic=clinic, start=start, end=end)
    last3 = max(rng.first, rng.stop - SILENT_DAYS)
    in_range = SessionLog.objects.filter(patient=OuterRef("pk"), date__range=(start, end))
    overlapping_plan = (
        Plan.objects.filter(_counted(), patient=OuterRef("pk"))
        .annotate(**_plan_span("", rng.tz))
        .filter(ps__lt=rng.stop, pe__gt=rng.first)
    )
    pain = in_range.order_by().values("pain_before")
    open_alerts = Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
    rows = (
        report_patients(user=user, therapist=therapist)
        .filter(Exists(overlapping_plan))
        .select_related("user", "therapist")
        .annotate(
            prescribed_days=_sum_per_patient(
                counted_plans(rng).filter(patient=OuterRef("pk")), "patient", Sum("days")
            ),
            last3_prescribed=_sum_per_patient(
                counted_plans(rng).filter(patient=OuterRef("pk")).annotate(d3=_plan_days_in(last3, rng.stop)),
                "patient",
                Sum("d3"),
            ),
            exercises_prescribed=_sum_per_patient(
                counted_plan_weeks(rng)
                .filter(plan__patient=OuterRef("pk"))
                .annotate(ex=_week_exercises_in(rng.first, rng.stop)),
                "plan__patient",
                Sum("ex"),
            ),
            sessions_logged=_sum_per_patient(
                counted_sessions(rng).filter(patient=OuterRef("pk")), "patient", Count("pk")
            ),
            exercises_done=_sum_per_patient(
                SessionExercise.objects.filter(
                    done=True,
                    session__patient=OuterRef("pk"),
                    session__date__range=(start, end),
                ).filter(_on_prescribed_day(rng, "session__patient", "session__date")),
                "session__patient",
                Count("pk"),
            ),
            session_count=_sum_per_patient(in_range, "patient", Count("pk")),
            first_pain=Subquery(pain.order_by("date")[:1], output_field=IntegerField()),
            last_pain=Subquery(pain.order_by("-date")[:1], output_field=IntegerField()),
            last_session=Subquery(
                SessionLog.objects.filter(patient=OuterRef("pk"), date__lte=end)
                .order_by("-date")
                .values("date")[:1]
            ),
            open_alerts=_sum_per_patient(open_alerts, "patient", Count("pk")),
        )
        .annotate(
            session_pct=_percent("sessions_logged", "prescribed_days"),
            exercise_pct=_percent("exercises_done", "exercises_prescribed"),
            pain_change=Case(
                When(session_count__gte=2, then=F("last_pain") - F("first_pain")),
                default=None,
                output_field=IntegerField(),
            ),
            adherent=Case(
                When(
                    Q(prescribed_days__gt=0)
                    & GreaterThanOrEqual(
                        F("sessions_logged") * ADHERENT_SHARE[1], F("prescribed_days") * ADHERENT_SHARE[0]
                    ),
                    then=_int(1),
                ),
                default=_int(0),
                output_field=IntegerField(),
            ),
            flag_silent=Case(
                When(
                    Q(last3_prescribed__gte=SILENT_DAYS)
                    & (Q(last_session__isnull=True) | Q(last_session__lt=day_from_number(last3))),
                    then=Value(True),
                ),
                default=Value(False),
            ),
            flag_worsening=Case(
                When(session_count__gte=2, last_pain__gte=F("first_pain") + WORSENING_PAIN_POINTS, then=True),
                default=Value(False),
            ),
            flag_alerts=ExpressionWrapper(Q(open_alerts__gt=0), output_field=BooleanField()),
        )
    )
    return rows


def _percent(part: str, whole: str):
    """part / whole × 100, None when whole is 0."""
    return Case(
        When(**{f"{whole}__gt": 0}, then=F(part) * 100.0 / F(whole)),
        default=None,
        output_field=FloatField(),
    )


PATIENT_ORDERINGS = {
    "adherence": ["session_pct", "user__last_name", "user__first_name", "pk"],
    "name": ["user__last_name", "user__first_name", "pk"],
}


# --- Per therapist and for the whole report --------------------------------------------------


def adherence_by_therapist(
    *, user: User, clinic: Clinic, start: date, end: date, therapist: User | None = None
) -> list[dict]:
    """One dict per therapist: patients, the adherence sums, share at 80%+, pain, alerts."""
    rows = (
        adherence_by_patient(user=user, clinic=clinic, start=start, end=end, therapist=therapist)
        .order_by()
        .values("therapist_id", "therapist__first_name", "therapist__last_name", "therapist__username")
        .annotate(
            patients=Count("pk"),
            patients_with_days=Count("pk", filter=Q(prescribed_days__gt=0)),
            adherent_patients=Sum("adherent"),
            prescribed_days_total=Sum("prescribed_days"),
            sessions_logged_total=Sum("sessions_logged"),
            exercises_prescribed_total=Sum("exercises_prescribed"),
            exercises_done_total=Sum("exercises_done"),
            open_alerts_total=Sum("open_alerts"),
            pain_change_sum=Sum("pain_change"),
            pain_change_patients=Count("pk", filter=Q(pain_change__isnull=False)),
        )
        .order_by("therapist__last_name", "therapist__first_name", "therapist_id")
    )
    return [_with_rates(row) for row in rows]


def _ratio(part, whole) -> float | None:
    return (part * 100.0 / whole) if whole else None


def _with_rates(row: dict) -> dict:
    row = dict(row)
    row["therapist_name"] = (
        f"{row.pop('therapist__first_name')} {row.pop('therapist__last_name')}".strip()
        or row["therapist__username"]
    )
    row["session_pct"] = _ratio(row["sessions_logged_total"], row["prescribed_days_total"])
    row["exercise_pct"] = _ratio(row["exercises_done_total"], row["exercises_prescribed_total"])
    row["adherent_pct"] = _ratio(row["adherent_patients"], row["patients_with_days"])
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

    Pass `by_therapist` when already computed (the page needs both) to save the query.
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
    *, user: User, clinic: Clinic, start: date, end: date, therapist: User | None = None
) -> list[dict]:
    """One dict per 7-day bucket from `start`: prescribed and logged sessions and exercises.

    Three queries whatever the number of patients or weeks.
    """
    rng = report_range(clinic=clinic, start=start, end=end)
    patients = report_patients(user=user, therapist=therapist).values("pk")
    buckets = rng.weeks()
    bounds = [(day_number(a), day_number(b) + 1) for a, b in buckets]
    plans = counted_plans(rng).filter(patient__in=patients)
    days = plans.annotate(**{f"d{i}": _plan_days_in(a, b) for i, (a, b) in enumerate(bounds)}).aggregate(
        **{f"w{i}": Sum(f"d{i}") for i in range(len(bounds))}
    )
    weeks = counted_plan_weeks(rng).filter(plan__patient__in=patients)
    exercises = weeks.annotate(
        **{f"e{i}": _week_exercises_in(a, b) for i, (a, b) in enumerate(bounds)}
    ).aggregate(**{f"w{i}": Sum(f"e{i}") for i in range(len(bounds))})
    logged = (
        counted_sessions(rng)
        .filter(patient__in=patients)
        .annotate(bucket=(DayNumber(F("date")) - _int(rng.first)) / 7)
        .order_by()
        .values("bucket")
        .annotate(
            sessions=Count("pk", distinct=True),
            done=Count("exercises", filter=Q(exercises__done=True)),
        )
    )
    by_bucket = {row["bucket"]: row for row in logged}
    out = []
    for i, (first, last) in enumerate(buckets):
        row = by_bucket.get(i, {})
        sessions, done = row.get("sessions", 0), row.get("done", 0)
        prescribed, ex_prescribed = days[f"w{i}"] or 0, exercises[f"w{i}"] or 0
        out.append(
            {
                "start": first,
                "end": last,
                "sessions_prescribed": prescribed,
                "sessions_logged": sessions,
                "exercises_prescribed": ex_prescribed,
                "exercises_done": done,
                "session_pct": _ratio(sessions, prescribed),
                "exercise_pct": _ratio(done, ex_prescribed),
            }
        )
    return out


# --- Daily rows (CSV) --------------------------------------------------------------------------

DAILY_COLUMNS = (
    "date",
    "patient_id",
    "patient",
    "therapist",
    "plan_id",
    "plan_week",
    "exercises_prescribed",
    "session_logged",
    "exercises_done",
    "pain_before",
    "pain_after",
    "symptom_change",
)


def adherence_daily_rows(
    *,
    user: User,
    clinic: Clinic,
    start: date,
    end: date,
    therapist: User | None = None,
    chunk_size: int = 2000,
) -> Iterator[tuple]:
    """One row per patient per prescribed day in the range (DAILY_COLUMNS), streamed.

    One query: a calendar of day numbers (a recursive CTE, on PostgreSQL and SQLite alike)
    joined to the same plan, week and pause expressions as the figures above, read through a
    server-side cursor on PostgreSQL so memory stays flat however long the export.
    """
    rng = report_range(clinic=clinic, start=start, end=end)
    patients = report_patients(user=user, therapist=therapist)
    plans = (
        counted_plans(rng).filter(patient__in=patients.values("pk")).values("pk", "patient_id", "ps", "pe")
    )
    weeks = (
        counted_plan_weeks(rng)
        .filter(plan__patient__in=patients.values("pk"))
        .values("plan_id", "number", "ws", "we", "cum")
    )
    pauses = (
        PlanPause.objects.filter(plan__in=plans.values("pk"))
        .annotate(a=DayNumber(F("paused_on")), b=Coalesce(DayNumber(F("resumed_on")), _int(FAR)))
        .values("plan_id", "a", "b")
    )
    people = patients.values(
        "pk", "user__first_name", "user__last_name", "user__username", "therapist__username"
    )
    parts = {}
    params: list = []
    for name, queryset in (("pts", people), ("pls", plans), ("wks", weeks), ("pas", pauses)):
        sql, qparams = queryset.order_by().query.sql_with_params()
        parts[name] = sql
        params.extend(qparams)
    as_date = "(DATE '1970-01-01' + d.n)" if connection.vendor == "postgresql" else "date(d.n + 2440587.5)"
    pts_cols = "(pk, first_name, last_name, username, therapist)"
    # Only compiled querysets, table names and constants are interpolated; values are parameters.
    sql = f"""
        WITH RECURSIVE days(n) AS (
            SELECT %s UNION ALL SELECT n + 1 FROM days WHERE n < %s
        ),
        pts{pts_cols} AS ({parts["pts"]}),
        pls(pk, patient_id, ps, pe) AS ({parts["pls"]}),
        wks(plan_id, number, ws, we, cum) AS ({parts["wks"]}),
        pas(plan_id, a, b) AS ({parts["pas"]})
        SELECT {as_date} AS day, pts.pk, pts.first_name, pts.last_name, pts.username, pts.therapist,
               pls.pk, wks.number, COALESCE(wks.cum, 0),
               s.id, s.pain_before, s.pain_after, s.symptom_change,
               (SELECT COUNT(*) FROM {SessionExercise._meta.db_table} se
                 WHERE se.session_id = s.id AND se.done)
        FROM pts
        JOIN pls ON pls.patient_id = pts.pk
        JOIN days d ON d.n >= pls.ps AND d.n < pls.pe
        LEFT JOIN wks ON wks.plan_id = pls.pk AND d.n >= wks.ws AND d.n < wks.we
        LEFT JOIN {SessionLog._meta.db_table} s ON s.patient_id = pts.pk AND s.date = {as_date}
        WHERE NOT EXISTS (SELECT 1 FROM pas WHERE pas.plan_id = pls.pk AND d.n >= pas.a AND d.n < pas.b)
        ORDER BY pts.last_name, pts.first_name, pts.pk, d.n
    """  # noqa: S608
    params = [rng.first, rng.stop - 1, *params]
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            for (
                day,
                pk,
                first,
                last,
                username,
                therapist_name,
                plan_id,
                week,
                cum,
                sid,
                pb,
                pa,
                sc,
                done,
            ) in rows:
                yield (
                    day if isinstance(day, str) else day.isoformat(),
                    pk,
                    f"{first} {last}".strip() or username,
                    therapist_name,
                    plan_id,
                    week,
                    cum,
                    1 if sid is not None else 0,
                    done if sid is not None else 0,
                    pb,
                    pa,
                    sc or "",
                )
