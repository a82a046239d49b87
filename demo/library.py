"""The demo clinic's own library: one exercise with a picture and one program template, made
through the same services as the library pages, so a first look shows a clinic's own items."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from exercises import library
from exercises.models import Exercise

WALL_SIT = {
    "name": "Wall sit",
    "body_position": Exercise.BodyPosition.STANDING,
    "equipment": Exercise.Equipment.NONE,
    "starting_position": "Stand with your back flat against a wall, feet a step away from it.",
    "instructions": (
        "Slide your back down the wall until your knees are bent, no lower than your hips. "
        "Hold. Slide back up slowly."
    ),
    "per_side": False,
    "cautions": "Keep your knees above your ankles. Stop if your knees or back hurt.",
    "hold_seconds_min": 10,
    "hold_seconds_max": 20,
    "reps_min": 3,
    "reps_max": 5,
}


def wall_sit_picture() -> SimpleUploadedFile:
    """A line drawing of the held position: back on the wall, thighs level, shins upright."""
    image = Image.new("RGB", (480, 300), "white")
    draw = ImageDraw.Draw(image)
    ink, wall = (20, 20, 20), (110, 110, 110)
    draw.line([(60, 20), (60, 270)], fill=wall, width=6)  # the wall
    draw.line([(20, 270), (460, 270)], fill=(20, 80, 100), width=4)  # the floor
    draw.ellipse([(68, 40), (108, 80)], outline=ink, width=6)  # head against the wall
    draw.line([(80, 82), (80, 170)], fill=ink, width=8)  # back, flat on the wall
    draw.line([(80, 170), (190, 170)], fill=ink, width=8)  # thigh, level
    draw.line([(190, 170), (190, 262)], fill=ink, width=8)  # shin, upright
    draw.line([(190, 262), (225, 262)], fill=ink, width=8)  # foot
    draw.line([(80, 100), (150, 140)], fill=ink, width=6)  # arm resting forward
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("wall-sit.png", out.getvalue(), content_type="image/png")


def demo_library_create(*, therapist) -> None:
    wall_sit = library.exercise_create(by=therapist, data=WALL_SIT, image=wall_sit_picture())
    program = library.program_create(
        by=therapist,
        data={
            "name": "Desk workers' starter",
            "description": "Two gentle weeks for patients who sit all day, with the clinic's wall sit.",
            "general_cautions": "Take it slow, and stop if it hurts.",
            "is_active": True,
        },
    )
    shipped = {e.slug: e for e in Exercise.objects.filter(clinic__isnull=True)}
    library.program_weeks_set(
        program=program,
        by=therapist,
        weeks=[
            {
                "title": "Loosening up",
                "exercises": [{"exercise": shipped["pelvic-tilt"]}, {"exercise": wall_sit}],
            },
            {
                "title": "Building strength",
                "introduction": "Added if the first week went without worsening pain.",
                "exercises": [{"exercise": shipped["bridge"]}],
            },
        ],
    )
