"""Each scoring rule on hand-computed and edge cases, and what a change from baseline means."""

from decimal import Decimal

import pytest

from outcomes.scoring import (
    RULES,
    Activity,
    AnswerError,
    change,
    score_nprs,
    score_odi,
    score_psfs,
    score_rmdq,
    score_startback,
)


def test_nprs_is_the_number_chosen():
    assert score_nprs([0]).value == 0
    assert score_nprs([7]).value == 7
    assert score_nprs([10]).value == 10


@pytest.mark.parametrize("answers", [[11], [-1], [None], [], [3, 4], ["5"], [True]])
def test_nprs_refuses_what_is_not_one_number_from_0_to_10(answers):
    with pytest.raises(AnswerError):
        score_nprs(answers)


# --- ODI: sum ÷ (5 × sections answered) × 100 --------------------------------------------


@pytest.mark.parametrize(
    ("case", "answers", "expected"),
    [
        ("all zero", [0] * 10, "0.0"),
        ("all maximum", [5] * 10, "100.0"),
        # 2+1+3+0+2+1+1+0+4+2 = 16 of 50 → 32 %
        ("hand-computed", [2, 1, 3, 0, 2, 1, 1, 0, 4, 2], "32.0"),
        # Sections 4 and 9 skipped: 2+1+3+2+1+1+0+2 = 12 of 40 → 30 %
        ("two sections skipped", [2, 1, 3, None, 2, 1, 1, 0, None, 2], "30.0"),
        # One section answered (3 of 5) → 60 %
        ("nine skipped", [None] * 9 + [3], "60.0"),
        # Section 1 has boxes 1 and 3 ticked: the higher (3) counts → 3+9×1 = 12 of 50 → 24 %
        ("two boxes ticked", [[1, 3]] + [1] * 9, "24.0"),
        # 7 of 45 → 15.555… → 15.6
        ("rounded to one decimal", [1, 1, 1, 1, 1, 1, 1, 0, None, 0], "15.6"),
    ],
)
def test_odi(case, answers, expected):
    assert score_odi(answers).value == Decimal(expected), case


@pytest.mark.parametrize("answers", [[None] * 10, [0] * 9, [6] + [0] * 9, [[0, 7]] + [0] * 9, "0000000000"])
def test_odi_refuses_unscorable_answers(answers):
    with pytest.raises(AnswerError):
        score_odi(answers)


# --- RMDQ: count of yes ------------------------------------------------------------------


def test_rmdq_counts_yes():
    assert score_rmdq([0] * 24).value == 0
    assert score_rmdq([1] * 24).value == 24
    assert score_rmdq([1, 0, 1] + [0] * 18 + [1, 1, 1]).value == 5


def test_rmdq_needs_every_statement_answered():
    with pytest.raises(AnswerError, match="23"):
        score_rmdq([0] * 22 + [None, 0])


# --- STarT Back: each cut-off -------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "answers", "total", "subscale", "band"),
    [
        ("nothing agreed", [0] * 8 + [0], 0, 0, "low"),
        # Total 3 is still low, even with 3 psychosocial points.
        ("total 3: low", [0, 0, 0, 0, 1, 1, 1, 0, 0], 3, 3, "low"),
        # Total 4 with subscale 3: medium.
        ("total 4, subscale 3: medium", [1, 0, 0, 0, 1, 1, 1, 0, 0], 4, 3, "medium"),
        # Total 4 with subscale 4: high.
        ("total 4, subscale 4: high", [0, 0, 0, 0, 1, 1, 1, 1, 0], 4, 4, "high"),
        # Item 9 "moderately" (option 3 of 5, index 2) scores 0; "very much" (index 3) scores 1.
        ("item 9 moderately scores 0", [1, 1, 1, 1, 1, 1, 1, 0, 2], 7, 3, "medium"),
        ("item 9 very much scores 1", [1, 1, 1, 1, 1, 1, 1, 0, 3], 8, 4, "high"),
        ("everything", [1] * 8 + [4], 9, 5, "high"),
    ],
)
def test_startback(case, answers, total, subscale, band):
    score = score_startback(answers)
    assert (score.value, score.subscale, score.band) == (total, subscale, band), case


def test_startback_item_9_has_five_answers():
    with pytest.raises(AnswerError, match="Question 9"):
        score_startback([0] * 8 + [5])


# --- PSFS: mean of the activities ----------------------------------------------------------


def _acts(*ratings, names=None):
    names = names or [f"activity {n}" for n in range(1, len(ratings) + 1)]
    return [Activity(name, rating) for name, rating in zip(names, ratings, strict=True)]


def test_psfs_three_activities():
    # (3 + 4 + 6) / 3 = 4.333… → 4.33
    score = score_psfs(_acts(3, 4, 6))
    assert score.value == Decimal("4.33")
    assert score.parts == (3, 4, 6)


def test_psfs_five_activities():
    # (2 + 5 + 7 + 0 + 10) / 5 = 4.8
    assert score_psfs(_acts(2, 5, 7, 0, 10)).value == Decimal("4.80")


@pytest.mark.parametrize("count", [2, 6])
def test_psfs_needs_three_to_five_activities(count):
    with pytest.raises(AnswerError, match="between 3 and 5"):
        score_psfs(_acts(*[5] * count))


def test_psfs_follow_up_rates_the_baseline_activities():
    names = ["socks", "sitting", "lifting"]
    assert score_psfs(_acts(6, 6, 6, names=names), baseline=names).value == 6
    with pytest.raises(AnswerError, match="same activities"):
        score_psfs(_acts(6, 6, 6, names=["socks", "sitting", "running"]), baseline=names)


def test_psfs_refuses_a_rating_outside_0_to_10_and_repeated_names():
    with pytest.raises(AnswerError):
        score_psfs(_acts(3, 11, 4))
    with pytest.raises(AnswerError, match="once"):
        score_psfs(_acts(3, 4, 5, names=["Socks", "socks", "sitting"]))


# --- Change and the MCID --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "baseline", "latest", "meaningful"),
    [
        ("nprs", [6], [4], "better"),  # 2 points
        ("nprs", [6], [5], ""),  # 1 point, 17 %
        ("nprs", [3], [2], "better"),  # 1 point but 33 %
        ("nprs", [4], [6], "worse"),  # 2 points up
        ("nprs", [2], [3], ""),  # 1 point up: the percent does not flag worse
        ("odi", [4] * 10, [3] * 10, "better"),  # 80 → 60: 20 points
        ("odi", [2] * 10, [2] * 9 + [0], ""),  # 40 → 36: 4 points, 10 %
        ("odi", [1] * 10, [2] * 10, "worse"),  # 20 → 40
        ("rmdq", [1] * 12 + [0] * 12, [1] * 7 + [0] * 17, "better"),  # 12 → 7
        ("rmdq", [1] * 12 + [0] * 12, [1] * 16 + [0] * 8, ""),  # 12 → 16: under 5 up
        ("startback", [1] * 8 + [4], [0] * 9, ""),  # no MCID: never flags
    ],
)
def test_change_against_the_mcid(code, baseline, latest, meaningful):
    rule = RULES[code]
    result = change(rule, baseline=rule.score(baseline), latest=rule.score(latest))
    assert result.meaningful == meaningful


def test_psfs_change_two_on_the_mean_or_three_on_one_activity():
    rule = RULES["psfs"]
    base = score_psfs(_acts(3, 4, 5))
    assert change(rule, baseline=base, latest=score_psfs(_acts(5, 6, 7))).meaningful == "better"  # +2 mean
    # Mean +1, but one activity +3: meaningful.
    assert change(rule, baseline=base, latest=score_psfs(_acts(6, 4, 5))).meaningful == "better"
    assert change(rule, baseline=base, latest=score_psfs(_acts(4, 5, 6))).meaningful == ""  # +1 each
    assert change(rule, baseline=base, latest=score_psfs(_acts(0, 4, 5))).meaningful == "worse"  # −3 on one


def test_change_numbers():
    rule = RULES["nprs"]
    result = change(rule, baseline=score_nprs([8]), latest=score_nprs([5]))
    assert (result.points, result.improvement, result.percent) == (-3, 3, Decimal("37.5"))
