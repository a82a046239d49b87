from django import template

from exercises.doses import dose_range_words

register = template.Library()


@register.filter
def dose_range(item) -> str:
    """{{ item|dose_range }}: "hold 10 s, 5–10 repetitions" (exercises.doses)."""
    return dose_range_words(item)
