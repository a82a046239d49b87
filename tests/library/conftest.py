import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from exercises import library
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded pictures go to a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def picture(kind: str = "PNG", size=(60, 40), name: str | None = None, exif=None) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, format=kind, **options)
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp"}[kind]
    content_type = f"image/{extension}"
    return SimpleUploadedFile(name or f"photo.{extension}", out.getvalue(), content_type=content_type)


EXERCISE = {
    "name": "Wall sit",
    "body_position": "standing",
    "equipment": "none",
    "starting_position": "Stand with your back against a wall.",
    "instructions": "Slide down until your knees are bent. Hold. Slide back up.",
    "per_side": False,
    "cautions": "Stop if your knees hurt.",
    "hold_seconds_min": 10,
    "hold_seconds_max": 20,
    "reps_min": 3,
    "reps_max": 6,
    "video_url": "",
}


@pytest.fixture
def clinic_people(handout_program):
    """Two clinics: Riverside (a therapist, a colleague, a manager, a patient) and Hillside."""
    therapist = TherapistFactory(first_name="Dana", last_name="Reyes")
    colleague = TherapistFactory(clinic=therapist.clinic)
    manager = ManagerFactory(clinic=therapist.clinic, first_name="Priya", last_name="Shah")
    patient = PatientFactory(therapist=therapist)
    outsider = TherapistFactory(first_name="Lena", last_name="Fischer")
    return therapist, colleague, manager, patient, outsider


@pytest.fixture
def wall_sit(clinic_people):
    therapist = clinic_people[0]
    return library.exercise_create(by=therapist, data=dict(EXERCISE), image=picture())
