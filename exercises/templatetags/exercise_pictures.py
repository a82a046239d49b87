"""`{% exercise_pictures exercise %}`: the pictures of an exercise, wherever it is shown.

A clinic's own uploaded picture (`Exercise.illustration`) is shown when there is one; otherwise
the drawings that ship with the program (`ExerciseIllustration`, start and hold), each with
its alt text. Pages that list exercises prefetch `exercise__illustrations`, so this reads no
database on its own.
"""

from django import template
from django.conf import settings

from exercises.models import Exercise

register = template.Library()


def uploaded_picture_url(exercise: Exercise, *, for_print: bool = False) -> str:
    """Where a page loads a clinic's uploaded picture: the view that checks who is asking
    (exercises.views.exercise_picture), never a public media address. The printed program is
    drawn on the server, whose PDF renderer reads the stored file directly (printouts.pdf) and
    only for someone who may read the plan."""
    if not exercise.illustration:
        return ""
    if for_print:
        return "/" + settings.MEDIA_URL.lstrip("/") + exercise.illustration.name
    return exercise.picture_url()


@register.inclusion_tag("exercises/includes/exercise_pictures.html")
def exercise_pictures(exercise: Exercise, size: str = "large") -> dict:
    return {
        "exercise": exercise,
        "uploaded": uploaded_picture_url(exercise, for_print=size == "print"),
        "drawings": [] if exercise.illustration else list(exercise.illustrations.all()),
        "size": size,
    }
