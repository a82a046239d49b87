"""What the printed program shows: one plan version, read whole, said in plain words."""

from dataclasses import dataclass
from datetime import date

from patients.models import Plan, PlanExercise, PlanWeek
from patients.selectors import plan_with_weeks

from .words import dose_in_words, move_on_in_words


@dataclass(frozen=True)
class PrintedExercise:
    number: int
    item: PlanExercise
    steps: list[str]
    dose: str


@dataclass(frozen=True)
class PrintedWeek:
    week: PlanWeek
    earlier_weeks: int  # how many weeks before this one the patient keeps doing
    exercises: list[PrintedExercise]
    move_on: list[str]  # when the patient moves on to the next week; empty for the last week


def program_printout(*, plan: Plan, today: date) -> dict:
    """The template context of the printed program of `plan` (any version), dated `today`.

    `plan` is the caller's, already reached through the access layer; it is read again here
    with its weeks and exercises (one query each, pictures included).
    """
    patient = plan.patient
    plan = plan_with_weeks(plan_id=plan.pk)
    plan.patient = patient  # read with its clinic and therapist by the caller
    weeks = list(plan.weeks.all())
    printed, number = [], 0
    for index, week in enumerate(weeks):
        exercises = []
        for item in week.exercises.all():
            number += 1
            exercises.append(
                PrintedExercise(
                    number=number,
                    item=item,
                    steps=item.exercise.steps(),  # exactly as Today shows them
                    dose=dose_in_words(
                        hold_seconds=item.target_hold_seconds,
                        reps=item.target_reps,
                        per_side=item.exercise.per_side,
                    ),
                )
            )
        following = weeks[index + 1] if index + 1 < len(weeks) else None
        printed.append(
            PrintedWeek(
                week=week,
                earlier_weeks=index,
                exercises=exercises,
                move_on=move_on_in_words(following, number=following.number) if following else [],
            )
        )
    return {
        "plan": plan,
        "patient": patient,
        "clinic": patient.clinic,
        "therapist": patient.therapist,
        "weeks": printed,
        "today": today,
        "last_week": weeks[-1].number if weeks else None,
    }
