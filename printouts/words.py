"""A plan's numbers and rules said in plain words, for a patient reading them on paper.

Pure functions over the plan's own rows: no database, no clock.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from exercises.models import ProgressionRule


def seconds_in_words(low: int, high: int | None = None) -> str:
    """ "10 seconds", or "5 to 10 seconds": a range with one value reads as one value."""
    if high is None or high == low:
        return ngettext("%(n)s second", "%(n)s seconds", low) % {"n": low}
    return _("%(low)s to %(high)s seconds") % {"low": low, "high": high}


def times_in_words(low: int, high: int | None = None) -> str:
    """ "8 times", or "5 to 10 times"."""
    if high is None or high == low:
        return ngettext("%(n)s time", "%(n)s times", low) % {"n": low}
    return _("%(low)s to %(high)s times") % {"low": low, "high": high}


def dose_in_words(*, hold_seconds: int, reps: int, per_side: bool) -> str:
    """ "Hold 10 seconds, 8 times, each leg." — the targets of one exercise."""
    text = _("Hold %(hold)s, %(times)s, each leg.") if per_side else _("Hold %(hold)s, %(times)s.")
    return text % {"hold": seconds_in_words(hold_seconds), "times": times_in_words(reps)}


def _joined(parts: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(first)s and %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


def move_on_in_words(rule: ProgressionRule, *, number: int) -> list[str]:
    """When the patient moves on to week `number` under `rule` (that week's rule), in sentences.

    The rule is checked at the end of the week before (`number - 1`); see patients.progression.
    """
    previous = number - 1
    when = []
    if rule.min_days_in_previous_week:
        when.append(
            ngettext(
                "you have done week %(week)s for at least %(days)s day",
                "you have done week %(week)s for at least %(days)s days",
                rule.min_days_in_previous_week,
            )
            % {"week": previous, "days": rule.min_days_in_previous_week}
        )
    if rule.min_sessions_in_previous_week:
        when.append(
            ngettext(
                "you have logged at least %(n)s session",
                "you have logged at least %(n)s sessions",
                rule.min_sessions_in_previous_week,
            )
            % {"n": rule.min_sessions_in_previous_week}
        )
    if rule.no_worse_in_last_sessions:
        when.append(
            ngettext(
                "you did not feel worse at your last session",
                "you did not feel worse at any of your last %(n)s sessions",
                rule.no_worse_in_last_sessions,
            )
            % {"n": rule.no_worse_in_last_sessions}
        )
    if rule.pain_rise_limit:
        when.append(
            ngettext(
                "your pain has not gone up by %(n)s point or more from your usual pain at the start",
                "your pain has not gone up by %(n)s points or more from your usual pain at the start",
                rule.pain_rise_limit,
            )
            % {"n": rule.pain_rise_limit}
        )
    if rule.pain_ceiling is not None:
        when.append(
            _("your pain after a session has stayed at %(n)s out of 10 or lower") % {"n": rule.pain_ceiling}
        )
    values = {"week": number, "previous": previous, "conditions": _joined(when)}
    if when:
        sentences = [_("You move on to week %(week)s when %(conditions)s.") % values]
    else:
        sentences = [_("You move on to week %(week)s when week %(previous)s is over.") % values]
    if rule.requires_therapist_confirmation:
        sentences.append(_("Your therapist checks this with you and confirms the move."))
    else:
        sentences.append(_("The move happens by itself when this is true."))
    if rule.on_not_met == ProgressionRule.OnNotMet.STAY_AND_ALERT:
        stay = _("If not, you stay in week %(previous)s a little longer and your therapist is told.")
        sentences.append(stay % values)
    else:
        sentences.append(_("If not, you stay in week %(previous)s a little longer.") % values)
    return sentences
