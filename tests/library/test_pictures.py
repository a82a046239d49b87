"""A clinic's exercise pictures: checked by content, re-encoded without metadata, and shown only
to the people of that clinic (and patients whose plan has the exercise)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from exercises import library
from exercises.models import Exercise
from patients.services import plan_approve, plan_create_from_template

from .conftest import EXERCISE, picture

pytestmark = pytest.mark.django_db


def stored_bytes(exercise: Exercise) -> bytes:
    with default_storage.open(exercise.illustration.name, "rb") as file:
        return file.read()


def test_a_text_file_named_png_is_refused(clinic_people):
    therapist = clinic_people[0]
    fake = SimpleUploadedFile("photo.png", b"not a picture at all\n" * 20, content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        library.exercise_create(by=therapist, data=dict(EXERCISE), image=fake)
    assert refused.value.message_dict["image"] == ["This file is not a JPEG, PNG or WebP picture."]
    assert not Exercise.objects.filter(name="Wall sit").exists()


@pytest.mark.parametrize("kind", ["GIF", "BMP"])
def test_pictures_of_other_formats_are_refused_whatever_their_name(clinic_people, kind):
    with pytest.raises(ValidationError, match="not a JPEG, PNG or WebP"):
        library.exercise_create(by=clinic_people[0], data=dict(EXERCISE), image=picture(kind, name="p.jpg"))


def test_a_picture_over_the_size_limit_is_refused(clinic_people, settings):
    settings.EXERCISE_IMAGE_MAX_BYTES = 1024
    noise = Image.effect_noise((400, 400), 80).convert("RGB")  # noise does not compress
    out = io.BytesIO()
    noise.save(out, format="PNG")
    big = SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")
    assert big.size > 1024
    with pytest.raises(ValidationError) as refused:
        library.exercise_create(by=clinic_people[0], data=dict(EXERCISE), image=big)
    assert refused.value.message_dict["image"][0].startswith("The picture is larger than")
    assert not Exercise.objects.filter(name="Wall sit").exists()


def test_a_picture_with_too_many_pixels_is_refused(clinic_people, settings):
    settings.EXERCISE_IMAGE_MAX_SIDE = 100
    with pytest.raises(ValidationError) as refused:
        library.exercise_create(
            by=clinic_people[0], data=dict(EXERCISE), image=picture("PNG", size=(120, 50))
        )
    assert refused.value.message_dict["image"] == [
        "The picture is 120 × 50 pixels; the largest accepted is 100 pixels a side. Choose a smaller one."
    ]


def test_exif_and_gps_are_stripped_and_the_picture_kept(clinic_people):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # camera make
    exif[0x0110] = "SpyCam 3000"  # camera model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
    upload = picture("JPEG", size=(64, 48), exif=exif.tobytes())
    assert b"SpyCam" in upload.read()
    upload.seek(0)

    exercise = library.exercise_create(by=clinic_people[0], data=dict(EXERCISE), image=upload)

    data = stored_bytes(exercise)
    assert b"SpyCam" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG" and stored.size == (64, 48)
        assert not stored.getexif()
        assert "exif" not in stored.info
    assert exercise.illustration.name.startswith(f"exercises/clinic-{exercise.clinic_id}/")
    assert "photo" not in exercise.illustration.name  # a random name, not the uploader's


def test_the_picture_is_served_only_to_people_of_the_clinic(client, clinic_people, wall_sit):
    therapist, colleague, manager, patient, outsider = clinic_people
    url = f"/pictures/exercises/{wall_sit.pk}/"
    for user in (therapist, colleague, manager):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == stored_bytes(wall_sit)
    for user in (outsider, patient.user):  # the patient's plan does not have it
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_a_password_alone_does_not_show_the_picture_to_staff_who_owe_a_code(client, clinic_people, wall_sit):
    """The second step of a login guards the clinic's pictures as it guards its pages."""
    from tests.security.test_two_factor import enrol, log_in_with_password, next_code

    therapist = clinic_people[0]
    enrol(therapist)
    log_in_with_password(client, therapist)
    url = f"/pictures/exercises/{wall_sit.pk}/"
    response = client.get(url)
    assert response.status_code == 302  # to a login, not the picture
    assert not response.get("Content-Type", "").startswith("image/")
    client.post("/accounts/two-factor/code/", {"code": next_code(therapist)})
    assert client.get(url).status_code == 200


def test_uploaded_files_have_no_public_address(client, clinic_people, wall_sit):
    client.force_login(clinic_people[0])
    assert client.get("/media/" + wall_sit.illustration.name).status_code == 404


def test_a_patient_whose_plan_has_the_exercise_sees_its_picture_on_today(client, clinic_people, wall_sit):
    therapist, *_ = clinic_people
    patient = clinic_people[3]
    program = library.program_create(by=therapist, data={"name": "Riverside starter"})
    week = library.program_week_add(program=program, by=therapist, data={"title": "Getting going"})
    library.program_exercise_add(week=week, exercise=wall_sit, by=therapist)
    plan = plan_create_from_template(
        patient=patient,
        template=program,
        start_date=patient.local_date() - dt.timedelta(days=1),
        by=therapist,
    )
    client.force_login(patient.user)
    assert client.get(f"/pictures/exercises/{wall_sit.pk}/").status_code == 404  # a draft is not theirs yet
    plan_approve(plan=plan, by=therapist)
    today = client.get("/me/").content.decode()
    assert "Wall sit" in today
    assert f'src="/pictures/exercises/{wall_sit.pk}/"' in today
    assert client.get(f"/pictures/exercises/{wall_sit.pk}/").status_code == 200


def test_a_body_too_large_for_a_picture_is_refused_before_it_is_read(client, clinic_people, settings):
    from rest_framework.test import APIClient

    settings.EXERCISE_IMAGE_MAX_BYTES = 200
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    noise = Image.effect_noise((60, 60), 80).convert("RGB")
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > 1200
    client.force_login(clinic_people[0])
    upload = SimpleUploadedFile("big.png", out.getvalue(), content_type="image/png")
    page = client.post("/portal/library/exercises/add/", {**EXERCISE, "image": upload})
    assert page.status_code == 200
    assert "The picture is larger than" in page.content.decode()
    api = APIClient()
    api.force_authenticate(clinic_people[0])
    upload.seek(0)
    response = api.post("/api/v1/exercises/", {**EXERCISE, "image": upload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The picture is larger than")
    assert not Exercise.objects.filter(name="Wall sit").exists()


def test_a_template_week_rule_has_the_plans_limits(clinic_people):
    program = library.program_create(by=clinic_people[0], data={"name": "Long"})
    with pytest.raises(ValidationError) as refused:
        library.program_week_add(
            program=program, by=clinic_people[0], data={"title": "One", "min_days_in_previous_week": 400}
        )
    assert refused.value.message_dict == {"min_days_in_previous_week": ["Choose 0 to 28."]}
