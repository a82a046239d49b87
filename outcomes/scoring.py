"""The scoring rules of the outcome measures: one pure function each, and what a change means.

A questionnaire's text (items, answer options) is data, loaded by `outcomes.services`; how its
answers become a score is code, here, touching no database. Each rule says its score range, which
direction is better, and its minimal clinically important difference (MCID) in points and in
percent of the baseline.

Answers come as plain values: for a questionnaire of items, one entry per item, the index of the
option chosen (0 = the first option), None for an item left blank, and for the Oswestry a list of
indexes when two boxes were ticked in one section. PSFS answers are the patient's activities,
each with a rating.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class AnswerError(ValueError):
    """Answers the rule cannot score; the message says what to fix, in words a patient reads."""


@dataclass(frozen=True)
class Score:
    value: Decimal
    subscale: int | None = None  # STarT Back: the psychosocial subscale (items 5–9)
    band: str = ""  # STarT Back: "low", "medium" or "high" risk
    parts: tuple[Decimal, ...] = ()  # PSFS: each activity's rating, in the baseline's order


@dataclass(frozen=True)
class Activity:
    name: str
    rating: int


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    score_min: int
    score_max: int
    higher_is_better: bool
    mcid_points: Decimal | None
    mcid_percent: int | None
    # Options per item, in order (PSFS: the one rating scale each activity is rated on).
    options: tuple[int, ...]
    score: Callable[..., Score]
    text_ships: bool  # the product ships the questionnaire's text (otherwise the clinic loads it)
    copyright_required: bool = False  # its item file must carry the copyright statement
    mcid_one_part: Decimal | None = None  # PSFS: a change this large on one activity also counts
    bands: dict[str, str] = field(default_factory=dict)
    activities: bool = False  # PSFS: the patient names the activities rated


def _round(value: Decimal, places: str = "0.1") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _index(value, *, options: int, item: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < options:
        raise AnswerError(
            _("Question %(item)s: choose one of its %(count)s answers.") % {"item": item, "count": options}
        )
    return value


def _require_all(answers: Sequence, *, count: int) -> None:
    if not isinstance(answers, list | tuple) or len(answers) != count:
        raise AnswerError(_("This questionnaire has %(count)s questions.") % {"count": count})
    blank = [str(n) for n, value in enumerate(answers, start=1) if value is None]
    if blank:
        raise AnswerError(_("Please answer question(s) %(items)s.") % {"items": ", ".join(blank)})


# --- NPRS ----------------------------------------------------------------------------------


def score_nprs(answers: Sequence) -> Score:
    """Numeric pain rating: the one answer, 0 (no pain) to 10 (worst imaginable)."""
    _require_all(answers, count=1)
    return Score(Decimal(_index(answers[0], options=11, item=1)))


# --- PSFS ----------------------------------------------------------------------------------

PSFS_MIN_ACTIVITIES, PSFS_MAX_ACTIVITIES = 3, 5
PSFS_NAME_MAX_LENGTH = 120


def score_psfs(activities: Sequence[Activity], *, baseline: Sequence[str] | None = None) -> Score:
    """Patient-Specific Functional Scale: the mean of 3–5 activities rated 0 (unable) to 10.

    At a follow-up, `baseline` names the activities chosen at baseline: the same ones, in the
    same order, are rated again.
    """
    names = [activity.name.strip() for activity in activities]
    if baseline is not None:
        if names != list(baseline):
            raise AnswerError(_("Rate the same activities you named at the start."))
    elif not PSFS_MIN_ACTIVITIES <= len(names) <= PSFS_MAX_ACTIVITIES:
        raise AnswerError(
            _("Name between %(min)s and %(max)s activities.")
            % {"min": PSFS_MIN_ACTIVITIES, "max": PSFS_MAX_ACTIVITIES}
        )
    if any(not name for name in names):
        raise AnswerError(_("Give each activity a name."))
    if any(len(name) > PSFS_NAME_MAX_LENGTH for name in names):
        raise AnswerError(
            _("Keep each activity to %(limit)s characters or fewer.") % {"limit": PSFS_NAME_MAX_LENGTH}
        )
    if len({name.casefold() for name in names}) != len(names):
        raise AnswerError(_("Each activity is named once."))
    ratings = []
    for number, activity in enumerate(activities, start=1):
        if isinstance(activity.rating, bool) or not isinstance(activity.rating, int):
            raise AnswerError(_("Rate activity %(item)s from 0 to 10.") % {"item": number})
        ratings.append(Decimal(_index(activity.rating, options=11, item=number)))
    return Score(_round(sum(ratings) / len(ratings), "0.01"), parts=tuple(ratings))


# --- Oswestry ------------------------------------------------------------------------------

ODI_SECTIONS, ODI_OPTIONS = 10, 6


def score_odi(answers: Sequence) -> Score:
    """Oswestry Disability Index 2.1a: sections scored 0–5; sum ÷ (5 × sections answered) × 100.

    A section left blank is left out of the divisor; where two boxes are ticked, the higher
    counts. At least one section must be answered.
    """
    if not isinstance(answers, list | tuple) or len(answers) != ODI_SECTIONS:
        raise AnswerError(_("This questionnaire has %(count)s sections.") % {"count": ODI_SECTIONS})
    points = []
    for section, answer in enumerate(answers, start=1):
        if answer is None or answer == []:
            continue
        ticked = answer if isinstance(answer, list | tuple) else [answer]
        points.append(max(_index(value, options=ODI_OPTIONS, item=section) for value in ticked))
    if not points:
        raise AnswerError(_("Answer at least one section."))
    return Score(_round(Decimal(sum(points)) * 100 / (5 * len(points))))


# --- Roland-Morris -------------------------------------------------------------------------

RMDQ_ITEMS = 24


def score_rmdq(answers: Sequence) -> Score:
    """Roland-Morris Disability Questionnaire: 24 statements, the count of "yes" (option 1)."""
    _require_all(answers, count=RMDQ_ITEMS)
    return Score(Decimal(sum(_index(value, options=2, item=n) for n, value in enumerate(answers, start=1))))


# --- Keele STarT Back ----------------------------------------------------------------------

STARTBACK_ITEMS = 9
STARTBACK_PSYCHOSOCIAL = range(5, 10)  # items 5 to 9
STARTBACK_BOTHERSOME_FROM = 3  # item 9: "very much" and "extremely" (options 4 and 5) score 1


def score_startback(answers: Sequence) -> Score:
    """Keele STarT Back: items 1–8 disagree (0) / agree (1); item 9 scores 1 for "very much" or
    "extremely". Total 0–3: low risk; otherwise psychosocial subscale (items 5–9) 4 or more:
    high risk; otherwise medium."""
    _require_all(answers, count=STARTBACK_ITEMS)
    points = {}
    for item, value in enumerate(answers, start=1):
        if item < STARTBACK_ITEMS:
            points[item] = _index(value, options=2, item=item)
        else:
            points[item] = int(_index(value, options=5, item=item) >= STARTBACK_BOTHERSOME_FROM)
    total = sum(points.values())
    subscale = sum(points[item] for item in STARTBACK_PSYCHOSOCIAL)
    band = "low" if total <= 3 else "high" if subscale >= 4 else "medium"
    return Score(Decimal(total), subscale=subscale, band=band)


STARTBACK_BANDS = {
    "low": gettext_lazy("Low risk"),
    "medium": gettext_lazy("Medium risk"),
    "high": gettext_lazy("High risk"),
}

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("nprs", "NPRS", 0, 10, False, Decimal(2), 30, (11,), score_nprs, text_ships=True),
        Rule(
            "psfs",
            "PSFS",
            0,
            10,
            True,
            Decimal(2),
            None,
            (11,),
            score_psfs,
            text_ships=True,
            mcid_one_part=Decimal(3),
            activities=True,
        ),
        Rule(
            "odi",
            "ODI 2.1a",
            0,
            100,
            False,
            Decimal(10),
            30,
            (ODI_OPTIONS,) * ODI_SECTIONS,
            score_odi,
            text_ships=False,
            copyright_required=True,
        ),
        Rule("rmdq", "RMDQ", 0, 24, False, Decimal(5), 30, (2,) * RMDQ_ITEMS, score_rmdq, text_ships=False),
        Rule(
            "startback",
            "STarT Back",
            0,
            9,
            False,
            None,
            None,
            (2,) * 8 + (5,),
            score_startback,
            text_ships=False,
            copyright_required=True,
            bands=STARTBACK_BANDS,
        ),
    )
}


# --- What a change means -------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    points: Decimal  # latest − baseline, as scored (a negative number is lower)
    improvement: Decimal  # the change in the better direction (negative: worse)
    percent: Decimal | None  # the improvement in percent of the baseline (None: baseline 0)
    meaningful: str  # "better", "worse" or "" (below the MCID either way)


def change(rule: Rule, *, baseline: Score, latest: Score) -> Change:
    """The change from baseline and whether it passes the MCID, better or worse.

    Better: the improvement reaches the MCID in points, or in percent of the baseline, or (PSFS)
    on one activity by `mcid_one_part`. Worse: the same thresholds the other way, except the
    percent (a percent of a low baseline would flag a one-point rise). A rule without an MCID
    (STarT Back stratifies; it does not measure change) never flags.
    """
    points = latest.value - baseline.value
    improvement = points if rule.higher_is_better else -points
    percent = _round(improvement * 100 / baseline.value) if baseline.value else None
    meaningful = ""
    if rule.mcid_points is not None:
        per_part = [
            (latest_part - base_part) * (1 if rule.higher_is_better else -1)
            for base_part, latest_part in zip(baseline.parts, latest.parts, strict=False)
        ]
        if (
            improvement >= rule.mcid_points
            or (rule.mcid_percent and percent is not None and percent >= rule.mcid_percent)
            or (rule.mcid_one_part and any(part >= rule.mcid_one_part for part in per_part))
        ):
            meaningful = "better"
        elif -improvement >= rule.mcid_points or (
            rule.mcid_one_part and any(-part >= rule.mcid_one_part for part in per_part)
        ):
            meaningful = "worse"
    return Change(points=points, improvement=improvement, percent=percent, meaningful=meaningful)


def plain_number(value: Decimal | int) -> str:
    """A score or threshold as people write it: "11.5", "12" (not "11.50", "12.00")."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
