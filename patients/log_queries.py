"""The statements every session log runs, written as SQL.

A session log reads the patient's live plan (locked), the plan's weeks and exercises and the
plan's history, stores the day's exercise rows and checks which alerts were raised before.
Built with the ORM, building and compiling these cost two to three times as long as
PostgreSQL took to run them, on every log (`manage.py bench_requests --profile`). Their shape
never changes, so they are written once here; values are always parameters. They run on
SQLite and PostgreSQL, and the tests of logging and progression cover them.
"""

from datetime import date
from functools import cache

from django.db import connection

from exercises.models import Exercise

from .models import (
    Alert,
    Plan,
    PlanExercise,
    PlanPause,
    PlanWeek,
    ProgressionOverride,
    SessionExercise,
    SessionLog,
)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model, field: str) -> str:
    return _q(model._meta.get_field(field).column)


@cache
def _live_plan_sql(for_update: bool) -> str:
    plan, overrides, pauses = (_q(m._meta.db_table) for m in (Plan, ProgressionOverride, PlanPause))
    return f"""
        SELECT p.*,
            EXISTS (SELECT 1 FROM {overrides} o JOIN {plan} op ON op.id = o.plan_id
                    WHERE op.patient_id = p.patient_id) AS has_overrides,
            EXISTS (SELECT 1 FROM {pauses} x JOIN {plan} xp ON xp.id = x.plan_id
                    WHERE xp.patient_id = p.patient_id) AS has_pauses
        FROM {plan} p
        WHERE p.patient_id = %s AND p.status IN (%s, %s)
        ORDER BY p.id
        LIMIT 1{" FOR UPDATE" if for_update else ""}
    """  # noqa: S608 (table names only)


def live_plan_for_update(patient_id: int) -> Plan | None:
    """The patient's live (approved or paused) plan, locked until the transaction ends.

    It says whether the patient has any override or pause (`has_overrides`, `has_pauses`), so
    that evaluating it skips reading them when there are none, as for most patients.
    """
    sql = _live_plan_sql(connection.features.has_select_for_update)
    return next(iter(Plan.objects.raw(sql, [patient_id, *Plan.LIVE_STATUSES])), None)


@cache
def _plan_content_sql() -> str:
    week, item, exercise = (_q(m._meta.db_table) for m in (PlanWeek, PlanExercise, Exercise))
    rules = ", ".join(f"w.{_column(PlanWeek, name)}" for name in PlanWeek.RULE_FIELDS)
    order = _column(PlanExercise, "order")
    return f"""
        SELECT w.number, {rules}, pe.id, pe.{order}, e.name, e.slug
        FROM {week} w
        LEFT JOIN {item} pe ON pe.week_id = w.id
        LEFT JOIN {exercise} e ON e.id = pe.exercise_id
        WHERE w.plan_id = %s
        ORDER BY w.number, pe.{order}, pe.id
    """  # noqa: S608 (table and column names only)


def plan_content_rows(plan_id: int) -> list[tuple]:
    """(week number, *its rule values in RULE_FIELDS order, plan exercise id, order, exercise
    name, slug) per plan exercise, in the plan's order; a week without exercises has one row
    with None for the last four."""
    with connection.cursor() as cursor:
        cursor.execute(_plan_content_sql(), [plan_id])
        return cursor.fetchall()


@cache
def _history_sql() -> str:
    log, row, item, week, exercise = (
        _q(m._meta.db_table) for m in (SessionLog, SessionExercise, PlanExercise, PlanWeek, Exercise)
    )
    order = _column(PlanExercise, "order")
    return f"""
        SELECT s.id, s.date, s.pain_before, s.pain_after, s.symptom_change, s.week_number, s.created_at,
            e.name AS hurt_name
        FROM {log} s
        LEFT JOIN {row} se ON se.session_id = s.id AND se.hurt
        LEFT JOIN {item} pe ON pe.id = se.plan_exercise_id
        LEFT JOIN {week} pw ON pw.id = pe.week_id
        LEFT JOIN {exercise} e ON e.id = pe.exercise_id
        WHERE s.patient_id = %s AND s.date >= %s AND s.date <= %s
        ORDER BY s.date, pw.number, pe.{order}, se.id
    """  # noqa: S608 (table and column names only)


def history(*, patient_id: int, start: date, end: date) -> list[SessionLog]:
    """The patient's logs from `start` to `end`, by day: one SessionLog per log, or per exercise
    that hurt in it (in the plan's order), each with that exercise's name as `hurt_name`. Only
    what the engine and a log need is read (the other fields are deferred)."""
    return list(SessionLog.objects.raw(_history_sql(), [patient_id, start, end]))


def session_exercises_store(*, session_id: int, rows: list[SessionExercise], drop_others: bool) -> None:
    """Store the day's exercise rows: insert the new ones, update the others in place (no dead
    index entries when a patient edits the day again and again) and, with `drop_others`,
    delete the rows of exercises no longer in the log. SessionExercise has no signals."""
    table = _q(SessionExercise._meta.db_table)
    with connection.cursor() as cursor:
        if drop_others:
            keep = [row.plan_exercise_id for row in rows]
            not_kept = f" AND plan_exercise_id NOT IN ({', '.join(['%s'] * len(keep))})" if keep else ""
            cursor.execute(f"DELETE FROM {table} WHERE session_id = %s{not_kept}", [session_id, *keep])  # noqa: S608
        if rows:
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
            params = [
                value
                for row in rows
                for value in (
                    session_id,
                    row.plan_exercise_id,
                    row.done,
                    row.reps,
                    row.hold_seconds,
                    row.hurt,
                )
            ]
            cursor.execute(
                f"""INSERT INTO {table} (session_id, plan_exercise_id, done, reps, hold_seconds, hurt)
                VALUES {values}
                ON CONFLICT (session_id, plan_exercise_id) DO UPDATE SET done = excluded.done,
                    reps = excluded.reps, hold_seconds = excluded.hold_seconds, hurt = excluded.hurt""",  # noqa: S608
                params,
            )


def alerted_cause_keys(*, plan_ids: list[int], cause_keys: list[str]) -> set[str]:
    """Which of `cause_keys` were alerted already on any of `plan_ids` (a plan and its earlier
    versions)."""
    table = _q(Alert._meta.db_table)
    plans, keys = ", ".join(["%s"] * len(plan_ids)), ", ".join(["%s"] * len(cause_keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cause_key FROM {table} WHERE plan_id IN ({plans}) AND cause_key IN ({keys})",  # noqa: S608
            [*plan_ids, *cause_keys],
        )
        return {key for (key,) in cursor.fetchall()}


def session_update(session: SessionLog, *, fields: list[str]) -> None:
    """Write `fields` of a stored session, as `session.save(update_fields=fields)` would, but
    without its signals: the caller says what changed (patients.page_cache)."""
    columns = [SessionLog._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{_q(field.column)} = %s" for field in columns)
    params = [field.get_db_prep_save(getattr(session, field.attname), connection) for field in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_q(SessionLog._meta.db_table)} SET {assignments} WHERE id = %s",  # noqa: S608
            [*params, session.pk],
        )


def session_insert(session: SessionLog) -> bool:
    """Insert a new session as `session.save()` would, without its signals (the caller says
    what changed), unless its day is logged already; True, with `session.pk` set, when it was
    inserted. No savepoint is needed for the day logged a moment ago by another request."""
    columns = [field for field in SessionLog._meta.concrete_fields if not field.primary_key]
    names = ", ".join(_q(field.column) for field in columns)
    params = [field.get_db_prep_save(field.pre_save(session, add=True), connection) for field in columns]
    day_unique = ", ".join(_column(SessionLog, name) for name in ("patient", "date"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_q(SessionLog._meta.db_table)} ({names}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT ({day_unique}) DO NOTHING RETURNING id",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    session.pk = row[0]
    session._state.adding = False
    return True
