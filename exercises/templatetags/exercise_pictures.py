"""`{% exercise_pictures exercise %}`: the pictures of an exercise, wherever it is shown.

A clinic's own uploaded picture (`Exercise.illustration`) is shown when there is one; otherwise
the drawings that ship with the program (`ExerciseIllustration`, start and hold), each with
its alt text. Pages that list exercises prefetch `exercise__illustrations`, so this reads no
database on its own.
"""

from django import template

from exercises.models import Exercise

register = template.Library()


@register.inclusion_tag("exercises/includes/exercise_pictures.html")
def exercise_pictures(exercise: Exercise, size: str = "large") -> dict:
    return {
        "exercise": exercise,
        "uploaded": exercise.illustration or None,
        "drawings": [] if exercise.illustration else list(exercise.illustrations.all()),
        "size": size,
    }
