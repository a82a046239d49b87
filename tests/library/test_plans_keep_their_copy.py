"""Plans are built from the clinic's own templates and exercises, and keep what was prescribed
when the template or the exercise changes later."""

import datetime as dt
import os
import re

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from exercises import library
from exercises.models import Exercise, WeekExercise
from patients.models import PlanExercise
from patients.services import plan_approve, plan_create_from_template, plan_exercise_remove, plan_revise
from printouts.pdf import pdf_unavailable_reason

from .conftest import picture

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_program(clinic_people, wall_sit):
    therapist = clinic_people[0]
    bridge = Exercise.objects.get(slug="bridge")
    program = library.program_create(
        by=therapist, data={"name": "Riverside starter", "general_cautions": "Breathe out as you push."}
    )
    week1 = library.program_week_add(program=program, by=therapist, data={"title": "Getting going"})
    library.program_exercise_add(week=week1, exercise=wall_sit, by=therapist)
    week2 = library.program_week_add(
        program=program, by=therapist, data={"title": "Stronger", "min_days_in_previous_week": 5}
    )
    library.program_exercise_add(
        week=week2, exercise=bridge, by=therapist, doses={"hold_seconds_min": 8, "hold_seconds_max": 8}
    )
    return program


def approved_plan(patient, program, therapist):
    plan = plan_create_from_template(
        patient=patient,
        template=program,
        start_date=patient.local_date() - dt.timedelta(days=2),
        by=therapist,
    )
    return plan_approve(plan=plan, by=therapist)


def test_a_plan_from_the_clinics_own_template(clinic_people, own_program, wall_sit):
    therapist, _, _, patient, _ = clinic_people
    plan = approved_plan(patient, own_program, therapist)
    assert plan.program_name == "Riverside starter"
    assert [(w.number, w.title, w.min_days_in_previous_week) for w in plan.weeks.order_by("number")] == [
        (1, "Getting going", 7),
        (2, "Stronger", 5),
    ]
    items = {i.exercise.name: i for i in PlanExercise.objects.filter(week__plan=plan)}
    assert items["Wall sit"].exercise == wall_sit
    assert (items["Wall sit"].target_hold_seconds, items["Wall sit"].target_reps) == (10, 3)
    assert (items["Bridge"].hold_seconds_min, items["Bridge"].hold_seconds_max) == (8, 8)


def test_another_clinics_template_cannot_start_a_plan(clinic_people, own_program):
    *_, outsider = clinic_people
    from tests.factories import PatientFactory

    their_patient = PatientFactory(therapist=outsider)
    with pytest.raises(ValidationError, match="not offered in your clinic"):
        plan_create_from_template(
            patient=their_patient, template=own_program, start_date=their_patient.local_date(), by=outsider
        )


def test_changing_the_template_or_the_exercise_never_changes_an_existing_plan(
    client, clinic_people, own_program, wall_sit
):
    therapist, _, _, patient, _ = clinic_people
    plan = approved_plan(patient, own_program, therapist)
    client.force_login(patient.user)
    before = client.get("/me/").content.decode()
    assert "Slide down until your knees are bent." in before

    library.program_update(
        program=own_program, by=therapist, data={"name": "Renamed", "general_cautions": "Go fast."}
    )
    week2 = own_program.weeks.get(number=2)
    library.program_week_update(week=week2, by=therapist, data={"min_days_in_previous_week": 12})
    library.program_exercise_remove(item=week2.exercises.get(), by=therapist)
    changed = library.exercise_update(
        exercise=wall_sit,
        by=therapist,
        data={"name": "Deep wall sit", "instructions": "Slide all the way down.", "hold_seconds_max": 40},
        image=picture("JPEG"),
    )

    # The plan used the exercise: the change is a new version; the template moved to it.
    assert changed.pk != wall_sit.pk
    wall_sit.refresh_from_db()
    assert wall_sit.replaced_by == changed and wall_sit.name == "Wall sit"
    assert WeekExercise.objects.get(week__template=own_program).exercise == changed
    assert not Exercise.objects.visible_to(therapist).current().filter(pk=wall_sit.pk).exists()

    plan.refresh_from_db()
    assert plan.program_name == "Riverside starter"
    assert plan.general_cautions == "Breathe out as you push."
    assert plan.weeks.get(number=2).min_days_in_previous_week == 5
    assert PlanExercise.objects.filter(week__plan=plan).count() == 2
    after = client.get("/me/").content.decode()
    assert "Slide down until your knees are bent." in after and "Slide all the way down." not in after
    assert "Wall sit" in after and "Deep wall sit" not in after
    today_api = client.get("/api/v1/me/today/").json()
    assert today_api["general_cautions"] == "Breathe out as you push."
    # The patient still sees the picture of the version they were prescribed, not the new one's.
    assert client.get(f"/pictures/exercises/{wall_sit.pk}/").status_code == 200
    assert client.get(f"/pictures/exercises/{changed.pk}/").status_code == 404


def test_an_exercise_no_plan_uses_is_changed_in_place(clinic_people, wall_sit):
    changed = library.exercise_update(exercise=wall_sit, by=clinic_people[1], data={"reps_max": 8})
    assert changed.pk == wall_sit.pk and changed.reps_max == 8


def test_the_portal_builds_a_plan_from_the_clinics_template_and_exercise(client, clinic_people, own_program):
    therapist, _, _, patient, outsider = clinic_people
    client.force_login(therapist)
    page = client.get(f"/portal/patients/{patient.pk}/plans/new/").content.decode()
    assert "Riverside starter (your clinic)" in page and "Back-strengthening exercises" in page
    response = client.post(
        f"/portal/patients/{patient.pk}/plans/new/",
        {"template": own_program.pk, "start_date": patient.local_date().isoformat()},
    )
    assert response.status_code == 302
    plan = patient.plans.get()
    assert plan.template == own_program
    page = client.get(response["Location"]).content.decode()
    assert "Wall sit" in page
    # The add-an-exercise list offers the clinic's exercises and the shipped ones, no one else's.
    hillside = library.exercise_create(
        by=outsider,
        data={"name": "Hillside plank", "starting_position": "Lie face down.", "instructions": "Lift."},
    )
    page = client.get(response["Location"]).content.decode()
    assert "Hillside plank" not in page and "Pelvic tilt" in page
    add = client.post(
        response["Location"],
        {"action": "add", "add-week": 1, "add-exercise": hillside.pk},
    )
    assert add.status_code == 200
    assert not PlanExercise.objects.filter(week__plan=plan, exercise=hillside).exists()


def test_the_audit_trail_says_what_was_done_to_the_library_in_words(
    client, clinic_people, own_program, wall_sit
):
    therapist, _, manager, *_ = clinic_people
    library.exercise_update(exercise=wall_sit, by=therapist, data={"cautions": "Knees over ankles."})
    library.exercise_copy(exercise=Exercise.objects.get(slug="bridge"), by=therapist)
    library.program_copy(program=own_program, by=therapist)
    client.force_login(manager)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/portal/audit/").content.decode()))
    for sentence in [
        "Added the exercise Wall sit to the clinic's library",
        "Changed the exercise Wall sit in the clinic's library: cautions",
        "Copied the exercise Bridge into the clinic's library as Bridge (copy)",
        "Made the program template Riverside starter",
        "Added week 2 to the program Riverside starter",
        "Added Wall sit to week 1 of the program Riverside starter",
        "Copied the program template Riverside starter as Riverside starter (copy)",
    ]:
        assert sentence in text.replace("&#x27;", "'"), sentence
    assert AuditEvent.objects.filter(action__startswith="exercise.", clinic=therapist.clinic).count() == 3


def test_the_printed_program_has_the_clinics_picture_and_today_its_video(
    client, clinic_people, own_program, wall_sit
):
    therapist, _, _, patient, _ = clinic_people
    library.exercise_update(
        exercise=wall_sit, by=therapist, data={"video_url": "https://videos.example.org/wall-sit"}
    )
    approved_plan(patient, own_program, therapist)
    client.force_login(patient.user)
    today = client.get("/me/").content.decode()
    assert 'href="https://videos.example.org/wall-sit"' in today
    assert "Watch a video of the Wall sit" in today

    reason = pdf_unavailable_reason()
    if reason:
        if os.environ.get("BACKCARE_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    pdf = client.get("/me/program.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # The shipped drawings are vector (SVG); the clinic's photo is the one raster image embedded.
    assert b"/Subtype /Image" in pdf.content
    library.program_exercise_remove(item=WeekExercise.objects.get(exercise=wall_sit), by=therapist)
    draft = plan_revise(plan=patient.plans.get(), by=therapist)
    plan_exercise_remove(
        plan_exercise=PlanExercise.objects.get(week__plan=draft, exercise=wall_sit), by=therapist
    )
    plan_approve(plan=draft, by=therapist)
    assert b"/Subtype /Image" not in client.get("/me/program.pdf").content
