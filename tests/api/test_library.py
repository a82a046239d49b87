"""The library through the API: a clinic's exercises with an uploaded picture, its templates
with weeks, and plans from them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from exercises.models import Exercise, ProgramTemplate
from tests.factories import ClinicFactory, TherapistFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png(size=(30, 20)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, format="PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")


WALL_SIT = {
    "name": "Wall sit",
    "body_position": "standing",
    "starting_position": "Stand against a wall.",
    "instructions": "Slide down. Hold. Slide up.",
    "hold_seconds_min": 10,
    "hold_seconds_max": 20,
    "video_url": "https://videos.example.org/wall-sit",
}


def test_a_therapist_adds_an_exercise_with_a_picture_by_multipart(therapist, handout_program):
    api = client_for(therapist)
    response = api.post("/api/v1/exercises/", {**WALL_SIT, "image": png()}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["shipped"] is False and body["clinic"] == therapist.clinic_id
    assert body["picture_url"] == f"/pictures/exercises/{body['id']}/"
    assert body["video_url"] == "https://videos.example.org/wall-sit"
    picture = api.get(body["picture_url"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    other = client_for(TherapistFactory(clinic=ClinicFactory()))
    assert other.get(body["picture_url"]).status_code == 404
    assert other.get(f"/api/v1/exercises/{body['id']}/").status_code == 404


def test_bad_input_is_a_400_with_the_field_and_changes_nothing(therapist, handout_program):
    api = client_for(therapist)
    fake = SimpleUploadedFile("p.png", b"hello, I am text", content_type="image/png")
    response = api.post("/api/v1/exercises/", {**WALL_SIT, "image": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"image": ["This file is not a JPEG, PNG or WebP picture."]}
    response = api.post(
        "/api/v1/exercises/", {**WALL_SIT, "video_url": "http://x.example.org/v"}, format="json"
    )
    assert response.status_code == 400 and "https://" in str(response.json()["video_url"])
    response = api.post("/api/v1/exercises/", {**WALL_SIT, "hold_seconds_min": 30}, format="json")
    assert response.status_code == 400
    assert not Exercise.objects.filter(name="Wall sit").exists()


def test_a_template_with_weeks_then_a_plan_from_it(therapist, patient, handout_program):
    api = client_for(therapist)
    mine = api.post("/api/v1/exercises/", WALL_SIT, format="json").json()
    bridge = Exercise.objects.get(slug="bridge")
    response = api.post(
        "/api/v1/programs/",
        {
            "name": "Riverside starter",
            "general_cautions": "Breathe out as you push.",
            "weeks": [
                {
                    "title": "Getting going",
                    "exercises": [{"exercise": mine["id"], "reps_min": 4, "reps_max": 4}],
                },
                {
                    "title": "Stronger",
                    "min_days_in_previous_week": 5,
                    "exercises": [{"exercise": bridge.pk}],
                },
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    program = response.json()
    assert [w["title"] for w in program["weeks"]] == ["Getting going", "Stronger"]
    assert program["weeks"][0]["exercises"][0]["reps_min"] == 4
    assert program["weeks"][1]["progression_rule"]["min_days_in_previous_week"] == 5

    plan = api.post(
        "/api/v1/plans/",
        {"patient": patient.pk, "template": program["slug"], "start_date": patient.local_date().isoformat()},
        format="json",
    )
    assert plan.status_code == 201, plan.json()
    assert [e["exercise"] for w in plan.json()["weeks"] for e in w["exercises"]][0] == mine["slug"]

    # Changing the exercise now that a plan has it: a new version; the template moves to it.
    changed = api.patch(f"/api/v1/exercises/{mine['id']}/", {"name": "Deep wall sit"}, format="json").json()
    assert changed["id"] != mine["id"] and changed["name"] == "Deep wall sit"
    again = api.get(f"/api/v1/programs/{program['slug']}/").json()
    assert again["weeks"][0]["exercises"][0]["name"] == "Deep wall sit"
    listed = [e["id"] for e in api.get("/api/v1/exercises/?page_size=100").json()["results"]]
    assert changed["id"] in listed and mine["id"] not in listed


def test_another_clinics_exercise_cannot_go_into_a_template(therapist, handout_program):
    outsider = TherapistFactory(clinic=ClinicFactory())
    theirs = client_for(outsider).post("/api/v1/exercises/", WALL_SIT, format="json").json()
    response = client_for(therapist).post(
        "/api/v1/programs/",
        {"name": "Mine", "weeks": [{"title": "One", "exercises": [{"exercise": theirs["id"]}]}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"weeks": [f"No exercise of your library has the id {theirs['id']}."]}
    assert not ProgramTemplate.objects.filter(name="Mine").exists()


def test_another_clinics_template_cannot_start_a_plan(therapist, patient, handout_program):
    outsider = TherapistFactory(clinic=ClinicFactory())
    theirs = client_for(outsider).post("/api/v1/programs/", {"name": "Hillside"}, format="json").json()
    response = client_for(therapist).post(
        "/api/v1/plans/",
        {"patient": patient.pk, "template": theirs["slug"], "start_date": patient.local_date().isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "template" in response.json()


def test_the_patient_reads_the_clinic_exercise_and_its_picture_with_their_token(
    therapist, patient, handout_program
):
    api = client_for(therapist)
    mine = api.post("/api/v1/exercises/", {**WALL_SIT, "image": png()}, format="multipart").json()
    program = api.post(
        "/api/v1/programs/",
        {"name": "Starter", "weeks": [{"title": "One", "exercises": [{"exercise": mine["id"]}]}]},
        format="json",
    ).json()
    plan = api.post(
        "/api/v1/plans/",
        {"patient": patient.pk, "template": program["slug"], "start_date": patient.local_date().isoformat()},
        format="json",
    ).json()
    assert api.post(f"/api/v1/plans/{plan['id']}/approve/").status_code == 200

    own = client_for(patient.user)
    today = own.get("/api/v1/me/today/").json()
    [exercise] = today["exercises"]
    assert exercise["name"] == "Wall sit" and exercise["video_url"] == WALL_SIT["video_url"]
    assert exercise["picture_url"] == mine["picture_url"]
    assert own.get(exercise["picture_url"]).status_code == 200
    assert own.get("/api/v1/exercises/").status_code == 403  # patients do not browse the library
