"""A range with one value reads as that value: "hold 10 s", "5 repetitions", never "10–10"."""

import pytest
from django.core.exceptions import ValidationError

from exercises.templatetags.doses import dose_range
from patients import services
from patients.models import PlanExercise

from .portal.test_pages import plan_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("hold", "reps", "words"),
    [
        ((5, 10), (5, 10), "hold 5–10 s, 5–10 repetitions"),
        ((10, 10), (5, 10), "hold 10 s, 5–10 repetitions"),
        ((5, 10), (5, 5), "hold 5–10 s, 5 repetitions"),
        ((1, 1), (1, 1), "hold 1 s, 1 repetition"),
    ],
)
def test_the_words_for_a_range(hold, reps, words):
    item = PlanExercise(
        hold_seconds_min=hold[0], hold_seconds_max=hold[1], reps_min=reps[0], reps_max=reps[1]
    )
    assert dose_range(item) == words


@pytest.fixture
def draft(patient, handout_program):
    return services.plan_create_from_template(
        patient=patient, template=handout_program, start_date=patient.local_date(), by=patient.therapist
    )


def test_the_plan_page_shows_single_values_once(client, draft):
    client.force_login(draft.patient.therapist)
    html = client.get(plan_url(draft)).content.decode()
    assert "Range: hold 10 s, 5–10 repetitions" in html  # forearm press-up
    assert "Range: hold 5–10 s, 5 repetitions" in html  # lying hip rotation stretch
    assert "10–10" not in html and "5–5" not in html


def test_the_out_of_range_message_too(draft):
    with pytest.raises(ValidationError) as refused:
        services.plan_edit(
            plan=draft,
            by=draft.patient.therapist,
            targets=[{"exercise": "forearm-press-up", "target_hold_seconds": 20, "target_reps": 5}],
        )
    assert "(hold 10 s, 5–10 repetitions)" in str(refused.value)
