"""How a hold and repetition range reads: one value once ("hold 10 s"), a range with a dash
("5–10 repetitions"). Every page and message that shows a range uses `dose_range_words`
(templates through the `dose_range` filter in exercises/templatetags/doses.py)."""

from django.utils.translation import gettext, ngettext


def hold_range_words(low: int, high: int) -> str:
    if low == high:
        return gettext("hold %(seconds)s s") % {"seconds": low}
    return gettext("hold %(low)s–%(high)s s") % {"low": low, "high": high}


def reps_range_words(low: int, high: int) -> str:
    if low == high:
        return ngettext("%(count)s repetition", "%(count)s repetitions", low) % {"count": low}
    return gettext("%(low)s–%(high)s repetitions") % {"low": low, "high": high}


def dose_range_words(item) -> str:
    """`item`: anything with hold_seconds_min/max and reps_min/max (an exercise, a plan exercise)."""
    return gettext("%(hold)s, %(reps)s") % {
        "hold": hold_range_words(item.hold_seconds_min, item.hold_seconds_max),
        "reps": reps_range_words(item.reps_min, item.reps_max),
    }
