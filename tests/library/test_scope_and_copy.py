"""Each clinic sees the shipped library and its own; shipped items are read-only and copied."""

import pytest
from django.core.exceptions import ValidationError

from exercises import library
from exercises.access import NotInLibrary, ShippedReadOnly
from exercises.models import Exercise, ProgramTemplate

from .conftest import EXERCISE

pytestmark = pytest.mark.django_db


def test_a_clinic_sees_shipped_exercises_and_its_own_only(clinic_people, wall_sit):
    therapist, colleague, manager, patient, outsider = clinic_people
    for user in (therapist, colleague, manager):
        names = set(Exercise.objects.visible_to(user).values_list("name", flat=True))
        assert "Wall sit" in names and "Bridge" in names
    assert "Wall sit" not in set(Exercise.objects.visible_to(outsider).values_list("name", flat=True))
    assert "Bridge" in set(Exercise.objects.visible_to(outsider).values_list("name", flat=True))
    assert not Exercise.objects.visible_to(patient.user).exists()  # patients see their plan only


def test_the_library_page_hides_another_clinics_exercise(client, clinic_people, wall_sit):
    *_, outsider = clinic_people
    client.force_login(outsider)
    page = client.get("/portal/library/").content.decode()
    assert "Bridge" in page and "Wall sit" not in page
    assert client.get(f"/portal/library/exercises/{wall_sit.pk}/").status_code == 404
    assert client.get(f"/portal/library/exercises/{wall_sit.pk}/edit/").status_code == 404
    assert client.post(f"/portal/library/exercises/{wall_sit.pk}/copy/").status_code == 404


def test_patients_do_not_browse_the_library(client, clinic_people):
    patient = clinic_people[3]
    client.force_login(patient.user)
    assert client.get("/portal/library/").status_code == 403
    assert client.get("/portal/library/programs/").status_code == 403


def test_shipped_exercises_and_programs_are_read_only_for_everyone(clinic_people, handout_program):
    therapist, _colleague, manager, *_ = clinic_people
    bridge = Exercise.objects.get(slug="bridge")
    for user in (therapist, manager):
        with pytest.raises(ShippedReadOnly, match="copy it to change it"):
            library.exercise_update(exercise=bridge, by=user, data={"name": "My bridge"})
        with pytest.raises(ShippedReadOnly):
            library.program_update(program=handout_program, by=user, data={"name": "Mine"})
    bridge.refresh_from_db()
    assert bridge.name == "Bridge"


def test_another_clinics_exercise_cannot_be_changed_or_used(clinic_people, wall_sit, handout_program):
    *_, outsider = clinic_people
    with pytest.raises(NotInLibrary):
        library.exercise_update(exercise=wall_sit, by=outsider, data={"name": "Stolen"})
    with pytest.raises(NotInLibrary):
        library.exercise_copy(exercise=wall_sit, by=outsider)
    own = library.program_create(by=outsider, data={"name": "Hillside program"})
    week = library.program_week_add(program=own, by=outsider, data={"title": "Start"})
    with pytest.raises(NotInLibrary):
        library.program_exercise_add(week=week, exercise=wall_sit, by=outsider)


def test_the_shipped_detail_page_says_read_only_and_offers_a_copy(client, clinic_people):
    therapist = clinic_people[0]
    bridge = Exercise.objects.get(slug="bridge")
    client.force_login(therapist)
    page = client.get(f"/portal/library/exercises/{bridge.pk}/").content.decode()
    assert "read-only, copy to change" in page
    assert f"/portal/library/exercises/{bridge.pk}/edit/" not in page
    assert client.get(f"/portal/library/exercises/{bridge.pk}/edit/").status_code == 404

    response = client.post(f"/portal/library/exercises/{bridge.pk}/copy/")
    copy = Exercise.objects.get(clinic=therapist.clinic, name="Bridge (copy)")
    assert response["Location"] == f"/portal/library/exercises/{copy.pk}/edit/"
    assert copy.steps() == bridge.steps()
    assert list(copy.illustrations.values_list("static_path", flat=True)) == list(
        bridge.illustrations.values_list("static_path", flat=True)
    )
    Exercise.objects.get(slug="bridge", clinic__isnull=True)  # the shipped one is untouched


def test_copying_the_handout_program_copies_its_weeks_rules_and_doses(clinic_people, handout_program):
    therapist = clinic_people[0]
    copy = library.program_copy(program=handout_program, by=therapist)
    assert copy.clinic == therapist.clinic and copy.name == "Back-strengthening exercises (copy)"

    def shape(program):
        return [
            (
                week.number,
                week.title,
                week.rule_values(),
                [
                    (i.exercise.slug, i.hold_seconds_min, i.hold_seconds_max, i.reps_min, i.reps_max)
                    for i in week.exercises.all()
                ],
            )
            for week in program.weeks.order_by("number")
        ]

    assert shape(copy) == shape(handout_program)
    library.program_week_update(
        week=copy.weeks.get(number=2), by=therapist, data={"min_days_in_previous_week": 10}
    )
    assert handout_program.weeks.get(number=2).min_days_in_previous_week == 7


def test_a_clinics_programs_are_its_own(clinic_people, handout_program):
    therapist, *_, outsider = clinic_people
    mine = library.program_create(by=therapist, data={"name": "Riverside desk workers"})
    assert set(ProgramTemplate.objects.visible_to(outsider)) == {handout_program}
    assert set(ProgramTemplate.objects.visible_to(therapist)) == {handout_program, mine}
    with pytest.raises(NotInLibrary):
        library.program_update(program=mine, by=outsider, data={"name": "Taken"})


def test_bad_exercise_input_is_refused_with_a_message_and_nothing_is_saved(clinic_people):
    therapist = clinic_people[0]
    before = Exercise.objects.count()
    for changes, field, words in [
        ({"hold_seconds_min": 30, "hold_seconds_max": 10}, "__all__", "Hold: the minimum"),
        ({"video_url": "http://example.org/video"}, "video_url", "https://"),
        ({"body_position": "upside-down"}, "body_position", "not a valid choice"),
        ({"instructions": "x" * 5000}, "instructions", "4000 characters"),
    ]:
        with pytest.raises(ValidationError) as refused:
            library.exercise_create(by=therapist, data={**EXERCISE, **changes})
        assert words in " ".join(refused.value.message_dict[field]), refused.value.message_dict
        if field != "__all__":  # said once, on its field (the database's constraint says it too)
            assert "__all__" not in refused.value.message_dict, refused.value.message_dict
    assert Exercise.objects.count() == before


def test_the_library_search_and_filters(client, clinic_people, wall_sit):
    client.force_login(clinic_people[0])
    page = client.get("/portal/library/?q=wall").content.decode()
    assert "Wall sit" in page and "Bridge" not in page
    page = client.get("/portal/library/?body_position=front").content.decode()
    assert "Forearm press-up" in page and "Bridge" not in page and "Wall sit" not in page
    page = client.get("/portal/library/?body_position=standing&equipment=none").content.decode()
    assert "Wall sit" in page and "Bridge" not in page


def test_an_earlier_version_is_readable_but_not_copied_or_changed(client, clinic_people, wall_sit):
    from patients.services import plan_create_from_template

    therapist, *_ = clinic_people
    patient = clinic_people[3]
    program = library.program_create(by=therapist, data={"name": "P"})
    week = library.program_week_add(program=program, by=therapist, data={"title": "One"})
    library.program_exercise_add(week=week, exercise=wall_sit, by=therapist)
    plan_create_from_template(
        patient=patient, template=program, start_date=patient.local_date(), by=therapist
    )
    newest = library.exercise_update(exercise=wall_sit, by=therapist, data={"name": "Wall sit 2"})
    client.force_login(therapist)
    page = client.get(f"/portal/library/exercises/{wall_sit.pk}/").content.decode()
    assert "This is an earlier version" in page and f"/portal/library/exercises/{newest.pk}/" in page
    response = client.post(f"/portal/library/exercises/{wall_sit.pk}/copy/", follow=True)
    assert "This is an earlier version of the exercise. Copy its newest version." in response.content.decode()
    assert client.get(f"/portal/library/exercises/{wall_sit.pk}/edit/").status_code == 404
    with pytest.raises(ValidationError, match="changed since"):
        library.exercise_update(exercise=wall_sit, by=therapist, data={"name": "Again"})
