"""A therapist adds an exercise of the clinic with a picture, builds a program template with it,
makes a patient's plan from it, and the patient sees the exercise and its picture on Today."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from exercises.models import Exercise, ProgramTemplate
from patients.models import Plan, PlanExercise
from tests.factories import PASSWORD, PatientFactory

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def photo_bytes() -> bytes:
    image = Image.new("RGB", (320, 200), (230, 240, 250))
    for x in range(60, 260):
        for y in range(90, 110):
            image.putpixel((x, y), (30, 60, 120))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def loaded_width(page, picture) -> int:
    """The picture's width once the browser has loaded it (pictures load lazily)."""
    handle = picture.element_handle()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=handle)
    return page.evaluate("(img) => img.naturalWidth", handle)


def test_a_therapist_adds_an_exercise_with_a_picture_builds_a_template_and_a_plan_from_it(
    live_server, desktop_page, phone_page, therapist, handout_program
):
    patient = PatientFactory(therapist=therapist, user__first_name="Rita", user__last_name="Moreno")
    page = desktop_page
    log_in(page, live_server, therapist.username, PASSWORD)
    page.get_by_role("heading", name="My patients").wait_for()

    # The library: the shipped exercises, read-only.
    page.get_by_role("link", name="Exercises").click()
    page.get_by_role("heading", name="Exercise library").wait_for()
    expect(page.get_by_role("link", name="Bridge")).to_be_visible()
    screenshot(page, "library-exercises-desktop")

    # Add the clinic's own exercise, with a photo.
    page.get_by_role("link", name="Add an exercise").click()
    page.get_by_label("Name").fill("Wall sit")
    page.get_by_label("Body position").select_option(label="Standing")
    page.get_by_label("Starting position").fill("Stand with your back against a wall.")
    page.get_by_label("Instructions").fill("Slide down until your knees are bent. Hold. Slide back up.")
    page.get_by_label("Shortest hold (s)").fill("10")
    page.get_by_label("Longest hold (s)").fill("20")
    page.get_by_label("Cautions").fill("Stop if your knees hurt.")
    page.get_by_label("Picture (JPEG, PNG or WebP)").set_input_files(
        files=[{"name": "wall-sit.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    screenshot(page, "library-exercise-add-desktop")
    page.get_by_role("button", name="Add the exercise").click()
    page.get_by_text("Exercise added to your clinic's library.").wait_for()
    picture = page.get_by_role("img", name="Picture of the Wall sit")
    picture.wait_for()
    assert loaded_width(page, picture) == 320
    screenshot(page, "library-exercise-detail-desktop")
    wall_sit = Exercise.objects.get(name="Wall sit", clinic=therapist.clinic)

    # Build a program template: one week with the new exercise and the shipped bridge.
    page.get_by_role("link", name="Programs").click()
    page.get_by_role("link", name="Build a program").click()
    page.get_by_label("Name").fill("Riverside starter")
    page.get_by_label("General cautions").fill("Breathe out as you push.")
    page.get_by_role("button", name="Make the program").click()
    page.get_by_text("Program made. Add its weeks and exercises.").wait_for()
    page.get_by_label("Title").fill("Getting going")
    page.get_by_role("button", name="Add the week").click()
    page.get_by_text("Week added.").wait_for()
    week = page.get_by_role("region", name="Week 1: Getting going")
    week.get_by_role("combobox", name="Exercise").select_option(label="Wall sit (your clinic)")
    week.get_by_role("button", name="Add to this week").click()
    page.get_by_text("Exercise added to week 1.").wait_for()
    week = page.get_by_role("region", name="Week 1: Getting going")
    week.get_by_role("combobox", name="Exercise").select_option(label="Bridge")
    week.get_by_label("Fewest repetitions").fill("5")
    week.get_by_label("Most repetitions").fill("5")
    week.get_by_role("button", name="Add to this week").click()
    page.get_by_text("Exercise added to week 1.").wait_for()
    expect(page.get_by_role("link", name="Wall sit")).to_be_visible()
    screenshot(page, "library-program-desktop")
    program = ProgramTemplate.objects.get(name="Riverside starter", clinic=therapist.clinic)

    # A plan from the clinic's own template.
    page.goto(f"{live_server.url}/portal/patients/{patient.pk}/plans/new/")
    page.get_by_label("Program").select_option(label="Riverside starter (your clinic)")
    page.get_by_role("button", name="Make a draft plan").click()
    page.get_by_text("Draft plan made.").wait_for()
    page.get_by_role("button", name="Approve version 1").click()
    page.get_by_text("Version 1 approved: the patient sees it now.").wait_for()
    plan = Plan.objects.get(patient=patient)
    assert plan.template == program and plan.status == "approved"
    assert set(PlanExercise.objects.filter(week__plan=plan).values_list("exercise__name", flat=True)) == {
        "Wall sit",
        "Bridge",
    }

    # The patient sees the clinic's exercise with its picture on Today, on a phone.
    log_in(phone_page, live_server, patient.user.username, PASSWORD)
    phone_page.get_by_role("heading", name="Today's exercises").wait_for()
    expect(phone_page.get_by_text("Slide down until your knees are bent.")).to_be_visible()
    picture = phone_page.get_by_role("img", name="Picture of the Wall sit")
    picture.scroll_into_view_if_needed()
    assert loaded_width(phone_page, picture) == 320
    screenshot(phone_page, "library-today-with-clinic-exercise-phone")
    # What was stored is a clean re-encoding: no camera metadata.
    from django.core.files.storage import default_storage

    with default_storage.open(Exercise.objects.get(pk=wall_sit.pk).illustration.name, "rb") as stored:
        assert b"SpyCam" not in stored.read()
