"""Writes to the exercise library and program templates."""

import json
import xml.etree.ElementTree as ET  # nosec B405
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from .models import Exercise, ExerciseIllustration, ProgramTemplate, ProgramWeek, WeekExercise

SHIPPED_PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"


def _range_fields(spec: dict) -> dict:
    hold_min, hold_max = spec["hold_seconds"]
    reps_min, reps_max = spec["reps"]
    return {
        "hold_seconds_min": hold_min,
        "hold_seconds_max": hold_max,
        "reps_min": reps_min,
        "reps_max": reps_max,
    }


def illustration_size(static_path: str) -> tuple[int, int]:
    """Width and height of a shipped SVG drawing, read from the file the path names.

    Refuses a path that names no static file, or a file that is not an SVG with a size, so a
    program never names a picture that is not there.
    """
    found = finders.find(static_path)
    if not found:
        raise ImproperlyConfigured(f"Illustration {static_path!r} is not a static file.")
    # Our own files, shipped with the app (not user input).
    root = ET.parse(found).getroot()  # noqa: S314  # nosec B314
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        raise ImproperlyConfigured(f"Illustration {static_path!r} is not an SVG drawing.")
    try:
        return int(root.attrib["width"]), int(root.attrib["height"])
    except (KeyError, ValueError):
        raise ImproperlyConfigured(f"Illustration {static_path!r} has no width and height.") from None


def _illustrations_load(exercise: Exercise, specs: list[dict]) -> None:
    """The exercise's shipped drawings become exactly those of the data, in its order."""
    for order, spec in enumerate(specs, start=1):
        width, height = illustration_size(spec["file"])
        ExerciseIllustration.objects.update_or_create(
            exercise=exercise,
            order=order,
            defaults={
                "frame": spec["frame"],
                "static_path": spec["file"],
                "alt_text": spec["alt"],
                "width": width,
                "height": height,
            },
        )
    exercise.illustrations.filter(order__gt=len(specs)).delete()


@transaction.atomic
def program_load(*, data: dict) -> ProgramTemplate:
    """Create or update a program template and its exercises from a data description.

    Idempotent: running it again with the same data changes nothing. Weeks and exercises
    no longer in the data are removed from the template (plans keep their own copies).
    """
    exercises = {}
    for spec in data["exercises"]:
        exercise, _ = Exercise.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "starting_position": spec["starting_position"],
                "instructions": spec["instructions"],
                "per_side": spec.get("per_side", False),
                "cautions": spec.get("cautions", ""),
                "body_position": spec.get("body_position", Exercise.BodyPosition.BACK),
                "equipment": spec.get("equipment", Exercise.Equipment.NONE),
                "clinic": None,  # shipped: read-only for every clinic
                **_range_fields(spec),
            },
        )
        _illustrations_load(exercise, spec.get("illustrations", []))
        exercises[spec["slug"]] = (exercise, spec)

    template, _ = ProgramTemplate.objects.update_or_create(
        slug=data["slug"],
        defaults={
            "name": data["name"],
            "description": data.get("description", ""),
            "general_cautions": data.get("general_cautions", ""),
            "clinic": None,
        },
    )
    week_numbers = []
    for week_spec in data["weeks"]:
        week, _ = ProgramWeek.objects.update_or_create(
            template=template,
            number=week_spec["number"],
            defaults={
                "title": week_spec["title"],
                "introduction": week_spec.get("introduction", ""),
                **week_spec.get("rule", {}),
            },
        )
        week_numbers.append(week.number)
        slugs = week_spec["exercises"]
        for order, slug in enumerate(slugs, start=1):
            exercise, spec = exercises[slug]
            WeekExercise.objects.update_or_create(
                week=week,
                exercise=exercise,
                defaults={"order": order, **_range_fields(spec)},
            )
        week.exercises.exclude(exercise__slug__in=slugs).delete()
    template.weeks.exclude(number__in=week_numbers).delete()
    return template


def shipped_programs_load() -> list[ProgramTemplate]:
    """Load every program that ships with BackCare (the handout's among them)."""
    return [
        program_load(data=json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(SHIPPED_PROGRAMS_DIR.glob("*.json"))
    ]
