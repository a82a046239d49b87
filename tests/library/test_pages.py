"""The library's pages: a therapist adds, changes and copies; bad input is shown and saves nothing."""

import pytest

from exercises.models import Exercise, ProgramTemplate, WeekExercise

from .conftest import EXERCISE, picture

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    return {key: value for key, value in {**EXERCISE, **changes}.items() if value not in (False, None)}


def test_a_therapist_adds_and_changes_an_exercise_on_the_pages(client, clinic_people):
    therapist = clinic_people[0]
    client.force_login(therapist)
    response = client.post("/portal/library/exercises/add/", {**form_data(), "image": picture("WEBP")})
    exercise = Exercise.objects.get(name="Wall sit", clinic=therapist.clinic)
    assert response["Location"] == f"/portal/library/exercises/{exercise.pk}/"
    assert exercise.illustration.name.endswith(".webp")
    page = client.get(response["Location"]).content.decode()
    assert f'src="/pictures/exercises/{exercise.pk}/"' in page and "Slide back up." in page

    response = client.post(
        f"/portal/library/exercises/{exercise.pk}/edit/", form_data(cautions="Knees over toes.")
    )
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert exercise.cautions == "Knees over toes." and exercise.illustration  # the picture stays

    response = client.post(
        f"/portal/library/exercises/{exercise.pk}/edit/", {**form_data(), "remove_image": "on"}
    )
    exercise.refresh_from_db()
    assert not exercise.illustration


def test_bad_input_on_the_page_is_shown_and_nothing_changes(client, clinic_people, wall_sit):
    client.force_login(clinic_people[0])
    response = client.post(
        f"/portal/library/exercises/{wall_sit.pk}/edit/",
        {
            **form_data(name="Changed", video_url="http://example.org/v"),
            "image": picture("GIF", name="a.png"),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "https://" in page  # the video link must be https
    response = client.post(
        f"/portal/library/exercises/{wall_sit.pk}/edit/",
        {**form_data(name="Changed"), "image": picture("GIF", name="a.png")},
    )
    assert "This file is not a JPEG, PNG or WebP picture." in response.content.decode()
    wall_sit.refresh_from_db()
    assert wall_sit.name == "Wall sit"


def test_a_therapist_builds_a_program_on_the_pages(client, clinic_people, wall_sit, handout_program):
    therapist = clinic_people[0]
    client.force_login(therapist)
    response = client.post("/portal/library/programs/add/", {"name": "Riverside starter", "is_active": "on"})
    program = ProgramTemplate.objects.get(name="Riverside starter")
    assert response["Location"] == f"/portal/library/programs/{program.pk}/"
    client.post(
        f"/portal/library/programs/{program.pk}/weeks/add/",
        {
            "new-title": "Getting going",
            "new-min_days_in_previous_week": 7,
            "new-min_sessions_in_previous_week": 5,
            "new-no_worse_in_last_sessions": 3,
            "new-on_not_met": "alert",
        },
    )
    week = program.weeks.get()
    client.post(
        f"/portal/library/programs/{program.pk}/weeks/{week.pk}/exercises/add/",
        {f"a{week.pk}-exercise": wall_sit.pk, f"a{week.pk}-reps_min": 4, f"a{week.pk}-reps_max": 4},
    )
    item = WeekExercise.objects.get(week=week)
    assert (item.exercise, item.reps_min, item.reps_max, item.hold_seconds_min) == (wall_sit, 4, 4, 10)
    # A range the wrong way round is refused on the page, with the database's message.
    bridge = Exercise.objects.get(slug="bridge")
    response = client.post(
        f"/portal/library/programs/{program.pk}/weeks/{week.pk}/exercises/add/",
        {f"a{week.pk}-exercise": bridge.pk, f"a{week.pk}-reps_min": 9, f"a{week.pk}-reps_max": 4},
    )
    assert (
        "Repetitions: the minimum must be at least 1 and not above the maximum." in response.content.decode()
    )
    assert WeekExercise.objects.filter(week=week).count() == 1
    # The shipped program offers no change, only the copy.
    page = client.get(f"/portal/library/programs/{handout_program.pk}/").content.decode()
    assert "read-only, copy to change" in page and "Add a week" not in page
    assert client.post(f"/portal/library/programs/{handout_program.pk}/weeks/add/", {}).status_code == 404
