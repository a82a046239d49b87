"""The daily adherence rows (one per patient per prescribed day) that the daily CSV export
streams, computed by the database with the same definitions as the report (reports.selectors,
patients.adherence)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db import connections, router
from django.db.models import (
    F,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from accounts.models import Clinic, User
from patients.adherence import (
    FAR,
    DayNumber,
    counted,
    counted_periods,
    plan_span,
)
from patients.models import Plan, PlanPause, SessionLog

from .selectors import _int, report_patients, report_range

ADHERENT_SHARE = (4, 5)  # sessions logged / prescribed >= 4/5 counts as adherent (80%)
WORSENING_PAIN_POINTS = 2
SILENT_DAYS = 3
MAX_RANGE_DAYS = 366


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
    joined to the same plan, progression period and pause expressions as the figures above
    (`patients.adherence`): plan_week is the week the patient was in that day, read through a
    server-side cursor on PostgreSQL so memory stays flat however long the export.
    """
    rng = report_range(clinic=clinic, start=start, end=end)
    patients = report_patients(user=user, therapist=therapist)
    plans = (
        Plan.objects.filter(counted(), patient__in=patients.values("pk"))
        .annotate(**plan_span("", rng.tz))
        .values("pk", "patient_id", "ps", "pe")
    )
    periods = (
        counted_periods(rng.tz)
        .filter(plan__patient__in=patients.values("pk"))
        .values("plan_id", "week", "exercises_per_day", "a", "b")  # fields, then annotations
    )
    pauses = (
        PlanPause.objects.filter(plan__in=plans.values("pk"))
        .annotate(a=DayNumber(F("paused_on")), b=Coalesce(DayNumber(F("resumed_on")), _int(FAR)))
        .values("plan_id", "a", "b")
    )
    people = patients.annotate(
        # The therapist's full name, or their username when they have none (as User.__str__).
        therapist_name=Coalesce(
            NullIf(Trim(Concat("therapist__first_name", Value(" "), "therapist__last_name")), Value("")),
            "therapist__username",
        )
    ).values("pk", "user__first_name", "user__last_name", "user__username", "therapist_name")
    parts = {}
    params: list = []
    for name, queryset in (("pts", people), ("pls", plans), ("prs", periods), ("pas", pauses)):
        sql, qparams = queryset.order_by().query.sql_with_params()
        parts[name] = sql
        params.extend(qparams)
    # The database the ORM would read a session from here: the replica inside a report's reads.
    connection = connections[router.db_for_read(SessionLog)]
    as_date = "(DATE '1970-01-01' + d.n)" if connection.vendor == "postgresql" else "date(d.n + 2440587.5)"
    pts_cols = "(pk, first_name, last_name, username, therapist)"
    # Only compiled querysets, table names and constants are interpolated; values are parameters.
    sql = f"""
        WITH RECURSIVE days(n) AS (
            SELECT CAST(%s AS integer) UNION ALL SELECT n + 1 FROM days WHERE n < %s
        ),
        pts{pts_cols} AS ({parts["pts"]}),
        pls(pk, patient_id, ps, pe) AS ({parts["pls"]}),
        prs(plan_id, week, per_day, a, b) AS ({parts["prs"]}),
        pas(plan_id, a, b) AS ({parts["pas"]})
        SELECT {as_date} AS day, pts.pk, pts.first_name, pts.last_name, pts.username, pts.therapist,
               pls.pk, prs.week, COALESCE(prs.per_day, 0),
               s.id, s.pain_before, s.pain_after, s.symptom_change, s.exercises_done
        FROM pts
        JOIN pls ON pls.patient_id = pts.pk
        JOIN days d ON d.n >= pls.ps AND d.n < pls.pe
        LEFT JOIN prs ON prs.plan_id = pls.pk AND d.n >= prs.a AND d.n < prs.b
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
