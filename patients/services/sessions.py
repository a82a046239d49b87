"""Session logs: the patient's day, checked and stored, and progression decided from it."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import (
    MAX_HOLD_SECONDS,
    MAX_REPS,
    Patient,
    Plan,
    PlanExercise,
    SessionExercise,
    SessionLog,
)
from ..progression import SessionFacts
from ..progression_services import (
    PlanContent,
    ProgressionFacts,
    plan_live_for_update,
    plan_progression_store,
)
from .common import _text_too_long

User = get_user_model()

BACKFILL_DAYS = 3  # a missed day may be filled in up to this many days back
NOTE_MAX_LENGTH = SessionLog._meta.get_field("note").max_length  # TextField: not enforced by the DB


# --- Session logs -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseEntry:
    """What the patient reports for one exercise of the day."""

    plan_exercise_id: int
    done: bool
    reps: int | None = None
    hold_seconds: int | None = None
    hurt: bool = False

    @classmethod
    def at_targets(cls, item: PlanExercise, **changes) -> "ExerciseEntry":
        """A plan exercise done at the therapist's targets, but for `changes`."""
        values = {"done": True, "reps": item.target_reps, "hold_seconds": item.target_hold_seconds}
        return cls(plan_exercise_id=item.pk, **{**values, **changes})


def session_day_window(*, patient: Patient, plan: Plan, today: date) -> tuple[date, date]:
    """The days a patient may log: today and up to BACKFILL_DAYS back, not before the start."""
    return max(today - timedelta(days=BACKFILL_DAYS), plan.start_date), today


def exercise_entry_problems(entry: ExerciseEntry) -> list[tuple[str, str, dict]]:
    """What is wrong with one exercise's report: (field, message, params) for each problem.

    The message takes the exercise's name as `exercise`. session_log refuses a report with
    any; the patient's form asks too, so they show beside the form's other problems.
    """
    problems = []
    if entry.done and entry.reps is None:
        problems.append(("reps", _("%(exercise)s: how many repetitions did you do?"), {}))
    for field, value, limit, too_low, too_high in (
        (
            "reps",
            entry.reps,
            MAX_REPS,
            _("%(exercise)s: repetitions cannot be below 0."),
            _("%(exercise)s: repetitions go up to %(max)s."),
        ),
        (
            "hold_seconds",
            entry.hold_seconds,
            MAX_HOLD_SECONDS,
            _("%(exercise)s: the hold cannot be below 0 seconds."),
            _("%(exercise)s: a hold goes up to %(max)s seconds."),
        ),
    ):
        if value is not None and not 0 <= value <= limit:
            problems.append((field, too_low if value < 0 else too_high, {"max": limit}))
    return problems


def _entries_as_prescribed(plan: Plan) -> list[ExerciseEntry]:
    """Every exercise of the plan's current week, done at the therapist's targets."""
    rows = (
        PlanExercise.objects.filter(week__plan=plan, week__number__lte=plan.current_week)
        .order_by("week__number", "order", "pk")
        .values_list("pk", "target_reps", "target_hold_seconds")
    )
    return [
        ExerciseEntry(plan_exercise_id=pk, done=True, reps=reps, hold_seconds=hold) for pk, reps, hold in rows
    ]


def _exercise_name(plan_exercise_id: int) -> str:
    """The name a patient knows a plan exercise by (read only to explain a refusal)."""
    return PlanExercise.objects.values_list("exercise__name", flat=True).get(pk=plan_exercise_id)


def _validate_session(
    *,
    patient: Patient,
    plan: Plan | None,
    day: date,
    today: date,
    pain_before: int,
    pain_after: int,
    symptom_change: str,
    note: str,
    entries: list[ExerciseEntry],
    allowed_ids: set[int],
) -> None:
    errors: dict[str, list[str]] = {}
    if plan is None or plan.status == Plan.Status.DRAFT:
        raise ValidationError(_("Your therapist has not approved a plan for you yet."))
    if plan.status == Plan.Status.PAUSED:
        raise ValidationError(_("Your plan is paused. Contact your therapist before exercising."))
    earliest, latest = session_day_window(patient=patient, plan=plan, today=today)
    if day > latest:
        errors.setdefault("date", []).append(_("You cannot log a day that has not happened yet."))
    elif day < plan.start_date:
        errors.setdefault("date", []).append(
            _("Your plan starts on %(start)s; you cannot log a day before it.")
            % {"start": date_format(plan.start_date, "DATE_FORMAT")}
        )
    elif day < earliest:
        errors.setdefault("date", []).append(
            _("You can fill in a missed day up to %(days)s days back.") % {"days": BACKFILL_DAYS}
        )
    for name, value in (("pain_before", pain_before), ("pain_after", pain_after)):
        if value is None or not 0 <= value <= 10:
            errors.setdefault(name, []).append(_("Choose a number from 0 (no pain) to 10."))
    if symptom_change not in SessionLog.SymptomChange.values:
        errors.setdefault("symptom_change", []).append(_("Choose better, same or worse."))
    if too_long := _text_too_long(note or ""):
        errors.setdefault("note", []).append(too_long)
    seen = set()
    for entry in entries:
        if entry.plan_exercise_id not in allowed_ids:
            errors.setdefault("exercises", []).append(
                _("One of the exercises is not in your plan for this week.")
            )
            break
        if entry.plan_exercise_id in seen:
            errors.setdefault("exercises", []).append(_("An exercise is listed twice."))
            break
        seen.add(entry.plan_exercise_id)
        for field, message, params in exercise_entry_problems(entry):
            errors.setdefault("exercises", []).append(
                ValidationError(
                    message,
                    code=field,
                    params={
                        **params,
                        "exercise": _exercise_name(entry.plan_exercise_id),
                        "plan_exercise": entry.plan_exercise_id,
                        "field": field,
                    },
                )
            )
    if errors:
        raise ValidationError(errors)


def session_log(
    *,
    patient: Patient,
    day: date,
    pain_before: int,
    pain_after: int,
    symptom_change: str,
    note: str = "",
    exercises: list[ExerciseEntry] | None = None,
    as_prescribed: bool = False,
    today: date | None = None,
) -> tuple[SessionLog, bool]:
    """Record the patient's session for one local day; returns (session, created).

    What was done is said explicitly, one of two ways: `as_prescribed` ("I did everything as
    prescribed": every exercise of the plan's current week, done at its targets, built here from
    the plan), or `exercises`, one entry per exercise. Nothing is ever assumed done: a session
    with no entry marked done is stored with nothing done (its pain and symptoms still count as
    safety signals, and adherence counts no exercise). Both at once is refused.

    Logging the same day again edits that session: a double submission never makes two.
    Safe under concurrent requests: the patient's live plan is locked first, so one patient's
    logs are stored one at a time, and the (patient, day) unique constraint decides the insert.
    """
    today = today or patient.local_date()
    exercises = exercises or []
    with transaction.atomic():
        # 1. The live plan, locked: the facts read below stay true until the commit.
        plan = plan_live_for_update(patient_id=patient.pk)
        if plan is not None:
            plan.patient = patient

        # 2. The facts: the plan's weeks, rules and exercises, and its history (which also says
        # whether this day is logged already).
        content = PlanContent(plan) if plan is not None else None
        _validate_session(
            patient=patient,
            plan=plan,
            day=day,
            today=today,
            pain_before=pain_before,
            pain_after=pain_after,
            symptom_change=symptom_change,
            note=note,
            entries=exercises,
            allowed_ids=content.exercise_ids(up_to_week=plan.current_week) if content else set(),
        )
        if as_prescribed:
            if exercises:
                raise ValidationError(
                    {
                        "exercises": _(
                            "Say either that you did everything as prescribed, or what you did for "
                            "each exercise, not both."
                        )
                    }
                )
            exercises = _entries_as_prescribed(plan)
        facts = ProgressionFacts(plan, today=today, content=content)
        logged = facts.logged.get(day)

        # 3. The session: one upsert on (patient, day); a day logged before keeps its week and
        # when it was first logged.
        fields = {
            "plan": plan,
            "pain_before": pain_before,
            "pain_after": pain_after,
            "symptom_change": symptom_change,
            "note": (note or "").strip(),
            "exercises_done": sum(1 for entry in exercises if entry.done),  # = the done rows below
            "updated_at": timezone.now(),
        }
        session = SessionLog(
            patient=patient,
            date=day,
            week_number=logged.week_number if logged else plan.current_week,
            created_at=logged.created_at if logged else fields["updated_at"],
            **fields,
        )
        SessionLog.objects.bulk_create(
            [session], update_conflicts=True, unique_fields=["patient", "date"], update_fields=list(fields)
        )
        created = logged is None

        # 4. Its exercise rows: those left out of an edit are deleted, the others upserted in
        # place (no dead rows when a patient edits the day again and again).
        rows = [
            SessionExercise(
                session=session,
                plan_exercise_id=entry.plan_exercise_id,
                done=entry.done,
                reps=entry.reps if entry.done else None,
                hold_seconds=entry.hold_seconds if entry.done else None,
                hurt=entry.hurt,
            )
            for entry in exercises
        ]
        if not created:
            SessionExercise.objects.filter(session=session).exclude(
                plan_exercise_id__in=[row.plan_exercise_id for row in rows]
            ).delete()  # no signals, nothing refers to these rows: one DELETE
        SessionExercise.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["session", "plan_exercise"],
            update_fields=["done", "reps", "hold_seconds", "hurt"],
        )
        items = content.items

        # 5. Decide from the history with this session in its place; store the week, state and
        # reasons, the sessions' weeks, the progression notice and any new safety alert.
        facts.record(
            SessionFacts(
                date=day,
                pain_before=pain_before,
                pain_after=pain_after,
                symptom_change=symptom_change,
                hurt_exercises=tuple(items[row.plan_exercise_id].name for row in rows if row.hurt),
                session_id=session.pk,
            ),
            week=session.week_number,
        )
        plan_progression_store(plan=plan, today=today, session=session, facts=facts)
    return session, created
