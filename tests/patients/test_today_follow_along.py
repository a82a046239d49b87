"""Today, followed along on a phone: each exercise's drawings with words for them, a timer that
knows the repetitions and the legs, and a clear mark on an exercise that hurt last time."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exercises.models import Exercise
from patients.progression_services import progression_override
from patients.selectors import exercises_hurt_last_session, plan_exercises_up_to_week
from patients.services import ExerciseEntry, session_log
from tests.factories import PASSWORD

from .helpers import entries_for

pytestmark = pytest.mark.django_db

TODAY_URL = reverse("patients:today")
HURT_MARK = "Last time this hurt and you stopped. Do not do it until you have talked to your therapist."


class Cards(HTMLParser):
    """Each exercise card of the Today page: its name, pictures, words and timer attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.cards: list[dict] = []
        self._depth = 0
        self._in_name = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and "exercise-card" in (attrs.get("class") or ""):
            self.cards.append({"name": "", "images": [], "text": "", "timer": None})
            self._depth = 1
            return
        if not self._depth:
            return
        if tag == "li":
            self._depth += 1
        card = self.cards[-1]
        if tag == "h3":
            self._in_name = True
        elif tag == "img":
            card["images"].append(attrs)
        elif "data-hold-timer" in attrs:
            card["timer"] = attrs

    def handle_endtag(self, tag):
        if self._depth and tag == "li":
            self._depth -= 1
        if tag == "h3":
            self._in_name = False

    def handle_data(self, data):
        if self._depth:
            card = self.cards[-1]
            card["text"] = " ".join((card["text"] + " " + data).split())
            if self._in_name:
                card["name"] = " ".join((card["name"] + " " + data).split())


def cards_of(client) -> list[dict]:
    response = client.get(TODAY_URL)
    assert response.status_code == 200
    return Cards(response.content.decode()).cards


@pytest.fixture
def week3_plan(active_plan):
    """The handout's plan moved on by the therapist to week 3: all nine exercises a day."""
    for _ in range(2):
        progression_override(
            plan=active_plan, by=active_plan.patient.therapist, action="advance", reason="Doing well."
        )
    active_plan.refresh_from_db()
    assert active_plan.current_week == 3
    return active_plan


@pytest.fixture
def patient_client(client, week3_plan):
    client.login(username=week3_plan.patient.user.username, password=PASSWORD)
    return client


def test_today_shows_each_exercises_start_and_hold_drawings_with_words_for_them(patient_client):
    cards = cards_of(patient_client)
    assert len(cards) == 9
    for card in cards:
        exercise = Exercise.objects.get(name=re.sub(r"^\d+\. ", "", card["name"]))
        drawings = list(exercise.illustrations.all())
        if exercise.slug == "lying-hip-rotation-stretch":
            assert drawings == [] and card["images"] == []  # none rather than a misleading one
            continue
        assert [(img["src"], img["alt"]) for img in card["images"]] == [(d.url, d.alt_text) for d in drawings]
        assert [img["alt"].split(":")[0] for img in card["images"]] == ["Start", "Hold"]
        for img in card["images"]:
            assert (img["width"], img["height"], img["loading"]) == ("240", "150", "lazy")
        assert "1. Start 2. Hold" in card["text"]  # captioned in words under the pictures
    bridge = next(card for card in cards if card["name"].endswith("Bridge"))
    assert bridge["images"][1]["alt"].startswith("Hold: buttocks raised a few inches off the floor")


def test_a_clinics_own_picture_is_shown_instead_of_the_drawings(patient_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bridge = Exercise.objects.get(slug="bridge")
    bridge.illustration.save("bridge.png", SimpleUploadedFile("bridge.png", b"\x89PNG\r\n\x1a\n"))
    card = next(card for card in cards_of(patient_client) if card["name"].endswith("Bridge"))
    assert [(img["src"], img["alt"]) for img in card["images"]] == [
        (f"/pictures/exercises/{bridge.pk}/", "Picture of the Bridge")  # access-checked, never /media/
    ]


def test_the_timer_is_told_the_targets_and_each_leg_in_the_patients_language(patient_client, week3_plan):
    cards = {re.sub(r"^\d+\. ", "", card["name"]): card for card in cards_of(patient_client)}
    knee = cards["Single knee-to-chest stretch"]["timer"]
    assert (knee["data-seconds"], knee["data-reps"], knee["data-per-side"]) == ("5", "5", "true")
    assert knee["data-right"] == "Right leg, rep {rep} of {reps}"
    assert knee["data-left"] == "Left leg, rep {rep} of {reps}"
    assert knee["data-announce-hold"] == "{what}: hold 5 seconds."
    assert knee["data-done"] == "Done: 5 times with each leg. Well done!"
    press_up = cards["Forearm press-up"]["timer"]
    assert (press_up["data-seconds"], press_up["data-per-side"]) == ("10", "false")
    assert press_up["data-done"] == "Done: 5 times. Well done!"


def test_an_exercise_that_hurt_last_time_is_marked_with_the_safety_advice(patient_client, week3_plan):
    patient = week3_plan.patient
    today = patient.local_date()
    items = list(plan_exercises_up_to_week(plan=week3_plan, week=3))
    bridge = next(item for item in items if item.exercise.slug == "bridge")
    session_log(
        patient=patient,
        day=today - timedelta(days=1),
        pain_before=3,
        pain_after=4,
        symptom_change="same",
        exercises=[
            ExerciseEntry(plan_exercise_id=item.pk, done=False, hurt=True)
            if item == bridge
            else ExerciseEntry.at_targets(item)
            for item in items
        ],
    )
    cards = cards_of(patient_client)
    marked = [card["name"] for card in cards if HURT_MARK in card["text"]]
    assert marked == ["9. Bridge"]
    bridge_card = cards[-1]
    assert bridge_card["timer"] is None  # no timer offered for it
    assert all(card["timer"] for card in cards[:-1])

    # The next session went without hurting: the mark is gone.
    session_log(
        patient=patient,
        day=today,
        pain_before=3,
        pain_after=3,
        symptom_change="same",
        exercises=entries_for(week3_plan),
    )
    assert not [card for card in cards_of(patient_client) if HURT_MARK in card["text"]]


def test_what_hurt_last_time_is_read_in_one_query(week3_plan, django_assert_num_queries):
    patient = week3_plan.patient
    items = list(plan_exercises_up_to_week(plan=week3_plan, week=3))
    with django_assert_num_queries(1):
        assert exercises_hurt_last_session(patient=patient) == set()
    session_log(
        patient=patient,
        day=patient.local_date() - timedelta(days=2),
        pain_before=3,
        pain_after=5,
        symptom_change="worse",
        exercises=entries_for(week3_plan, hurt=True),
    )
    session_log(
        patient=patient,
        day=patient.local_date() - timedelta(days=1),
        pain_before=3,
        pain_after=3,
        symptom_change="same",
        exercises=[ExerciseEntry.at_targets(item, hurt=item == items[1]) for item in items],
    )
    with django_assert_num_queries(1):
        assert exercises_hurt_last_session(patient=patient) == {items[1].exercise_id}
