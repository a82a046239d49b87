from django import template

from exercises.data_text import data_text as _data_text

register = template.Library()


@register.filter
def data_text(text):
    """The shipped program's or questionnaire's `text` in the active language (exercises/data_text.py)."""
    return _data_text(text)
