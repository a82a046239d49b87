"""The printed program: what a patient reads on paper, who may print it, and how it looks.

The PDF's own text is read back (pypdf) and checked the way a patient or therapist would
read it: the exercises, their targets ("each leg"), when to move on, the safety advice and
who it is from. A page is also rendered to PNG (test-artifacts/) for a person to look at.
"""

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from patients.models import PlanExercise
from patients.services import plan_revise
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HANDOUT_EXERCISES = [
    "Single knee-to-chest stretch",
    "Double knee-to-chest stretch",
    "Pelvic tilt",
    "Partial curl",
    "Supine hamstring stretch",
    "Lying hip rotation stretch",
    "Forearm press-up",
    "Hands-and-knees leg extension",
    "Bridge",
]


@pytest.fixture
def printed_plan(active_plan):
    """The handout's plan, with the therapist's targets for the first stretch: 10 s, 8 times."""
    PlanExercise.objects.filter(week__plan=active_plan, exercise__slug="single-knee-to-chest").update(
        target_hold_seconds=10, target_reps=8
    )
    patient = active_plan.patient
    patient.user.first_name, patient.user.last_name = "Margaret", "O'Brien"
    patient.user.save(update_fields=["first_name", "last_name"])
    therapist = patient.therapist
    therapist.first_name, therapist.last_name = "Sam", "Okafor"
    therapist.save(update_fields=["first_name", "last_name"])
    patient.clinic.name = "Riverside Physio"
    patient.clinic.save(update_fields=["name"])
    return active_plan


def _pages(content: bytes) -> list[str]:
    """Each page's text, with line breaks and runs of spaces made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def _patient_pdf(client, plan):
    client.force_login(plan.patient.user)
    return client.get(reverse("patients:program_pdf"))


def test_the_printed_program_has_what_the_patient_needs_to_follow_it(client, printed_plan, pdf_required):
    response = _patient_pdf(client, printed_plan)

    assert response.status_code == 200
    text = " ".join(_pages(response.content))
    for name in HANDOUT_EXERCISES:
        assert name in text
    assert "Hold 10 seconds, 8 times, each leg." in text  # the therapist's targets, per leg
    assert "Hold 10 seconds, 5 times." in text  # forearm press-up: "hold 10 s" is one value
    assert "Lie on your back with both knees bent." in text  # the steps
    assert "Careful: Do not lift the leg above the level of your body." in text
    assert (
        "You move on to week 2 when you have done week 1 for at least 7 days, you have logged at "
        "least 5 sessions" in text
    )
    assert "Your therapist checks this with you and confirms the move." in text
    assert "You move on to week 3 when" in text
    assert "Week 3 is the last week" in text
    assert "If it hurts, stop." in text
    assert "Take it slow, and stop if it hurts." in text  # the program's general cautions
    assert "only after acute back pain subsides" in text
    assert "Riverside Physio" in text
    assert "Sam Okafor" in text
    assert "Margaret O'Brien" in text
    assert printed_plan.patient.local_date().strftime("%B %Y") in text  # printed on (today)
    assert "You are in week 1 now." in text


def test_the_pdf_is_inline_named_for_the_patient_and_never_cached(client, printed_plan, pdf_required):
    response = _patient_pdf(client, printed_plan)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="backcare-program-margaret-obrien.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF-")
    root = PdfReader(io.BytesIO(response.content)).trailer["/Root"]
    assert "/StructTreeRoot" in root  # tagged: a screen reader reads it in order


def test_an_exercise_is_never_split_across_two_pages(client, printed_plan, pdf_required):
    """Each exercise's name, targets and last step are on one page (a page break never cuts it)."""
    pages = _pages(_patient_pdf(client, printed_plan).content)

    assert len(pages) >= 2
    items = PlanExercise.objects.filter(week__plan=printed_plan).select_related("exercise")
    for item in items:
        last_step = item.exercise.instructions.strip().split(". ")[-1].rstrip(".")
        on = [i for i, page in enumerate(pages) if item.exercise.name in page]
        assert len(on) == 1, f"{item.exercise.name} is on pages {on}"
        assert last_step in pages[on[0]], f"{item.exercise.name}: its last step is on another page"


def test_all_the_text_is_large_print(client, printed_plan, pdf_required):
    """At least 14 pt everywhere, page footers and picture captions included."""
    reader = PdfReader(io.BytesIO(_patient_pdf(client, printed_plan).content))
    sizes = []

    def visit(text, cm, tm, font, font_size):
        if text.strip():
            sizes.append(round(font_size * abs(tm[0]) * abs(cm[0]), 1))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert sizes
    assert min(sizes) >= 14, sorted(set(sizes))


def test_a_page_renders_to_an_image_for_a_person_to_look_at(client, printed_plan, pdf_required):
    """Writes test-artifacts/program-page-N.png: large print, pictures beside their steps."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        message = "pdftoppm (poppler-utils) is not installed: no page image made"
        if os.environ.get("BACKCARE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("program-page-*.png"):
        old.unlink()
    pdf = ARTIFACTS / "program.pdf"
    pdf.write_bytes(_patient_pdf(client, printed_plan).content)
    subprocess.run(  # noqa: S603 (a fixed tool on a file this test wrote)
        [pdftoppm, "-r", "70", "-png", str(pdf), str(ARTIFACTS / "program-page")], check=True, timeout=60
    )
    pngs = sorted(ARTIFACTS.glob("program-page-*.png"))
    assert pngs and all(png.stat().st_size > 5_000 for png in pngs)


def test_a_clinics_own_uploaded_picture_is_printed(client, printed_plan, pdf_required, settings, tmp_path):
    from django.core.files.base import ContentFile
    from PIL import Image  # installed with WeasyPrint

    settings.MEDIA_ROOT = str(tmp_path)
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "navy").save(buffer, format="PNG")
    exercise = PlanExercise.objects.filter(week__plan=printed_plan).first().exercise
    exercise.illustration.save("clinic-bridge.png", ContentFile(buffer.getvalue()))

    reader = PdfReader(io.BytesIO(_patient_pdf(client, printed_plan).content))

    page = next(page for page in reader.pages if exercise.name in page.extract_text())
    assert [image.image.size for image in page.images] == [(120, 80)]


def test_a_therapist_prints_any_version_and_the_download_is_audited(client, printed_plan, pdf_required):
    therapist = printed_plan.patient.therapist
    draft = plan_revise(plan=printed_plan, by=therapist)
    client.force_login(therapist)

    response = client.get(
        reverse("portal:plan_program_pdf", kwargs={"pk": printed_plan.patient.pk, "plan_pk": draft.pk})
    )

    assert response.status_code == 200
    text = " ".join(_pages(response.content))
    assert "Draft: not approved yet." in text
    assert "You are in week" not in text
    event = AuditEvent.objects.get(action="plan.printed")
    assert (event.actor, event.clinic, event.object_id) == (
        therapist,
        printed_plan.patient.clinic,
        str(draft.pk),
    )


# --- Who may print what: the pages' own access rules ----------------------------------------


@pytest.fixture
def fake_pdf(monkeypatch):
    """Access does not depend on the PDF library: these tests run on any laptop."""
    monkeypatch.setattr("printouts.views.html_to_pdf", lambda html, *, base_url: b"%PDF-1.7 test")


def _visitor(plan, who):
    patient = plan.patient
    return {
        "patient": patient.user,
        "other_patient": PatientFactory(therapist=patient.therapist).user,
        "own_therapist": patient.therapist,
        "colleague": TherapistFactory(clinic=patient.clinic),
        "therapist_other_clinic": TherapistFactory(),
        "manager": ManagerFactory(clinic=patient.clinic),
        "manager_other_clinic": ManagerFactory(),
    }[who]


# (visitor, status of the portal's PDF of the patient's plan, audited?)
PORTAL = [
    ("own_therapist", 200, True),
    ("manager", 200, True),
    ("colleague", 404, False),
    ("therapist_other_clinic", 404, False),
    ("manager_other_clinic", 404, False),
    ("patient", 403, False),
]


@pytest.mark.parametrize(("visitor", "status", "audited"), PORTAL)
@pytest.mark.parametrize("version", ["live", "superseded"])
def test_who_may_print_a_patients_plan_from_the_portal(
    client, active_plan, fake_pdf, visitor, status, audited, version
):
    plan = active_plan
    if version == "superseded":
        from patients.services import plan_approve

        plan_approve(
            plan=plan_revise(plan=active_plan, by=active_plan.patient.therapist),
            by=active_plan.patient.therapist,
        )
        plan.refresh_from_db()
        assert plan.status == "superseded"
    client.force_login(_visitor(plan, visitor))

    response = client.get(
        reverse("portal:plan_program_pdf", kwargs={"pk": plan.patient.pk, "plan_pk": plan.pk})
    )

    assert response.status_code == status
    assert AuditEvent.objects.filter(action="plan.printed").exists() is audited
    if status != 200:
        assert plan.patient.user.last_name.encode() not in response.content


def test_a_plan_of_another_patient_is_not_found_under_this_patient(client, active_plan, fake_pdf):
    therapist = active_plan.patient.therapist
    other = PatientFactory(therapist=therapist)
    client.force_login(therapist)

    response = client.get(
        reverse("portal:plan_program_pdf", kwargs={"pk": other.pk, "plan_pk": active_plan.pk})
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("visitor", "status"),
    [("patient", 200), ("other_patient", 404), ("own_therapist", 403), ("manager", 403)],
)
def test_a_patient_prints_only_their_own_live_plan(client, active_plan, fake_pdf, visitor, status):
    client.force_login(_visitor(active_plan, visitor))

    response = client.get(reverse("patients:program_pdf"))

    assert response.status_code == status
    assert not AuditEvent.objects.filter(action="plan.printed").exists()  # a patient's own copy


def test_a_patient_with_only_a_draft_has_nothing_to_print(client, patient, handout_program, fake_pdf):
    from patients.services import plan_create_from_template

    plan_create_from_template(
        patient=patient, template=handout_program, start_date=patient.local_date(), by=patient.therapist
    )
    client.force_login(patient.user)

    assert client.get(reverse("patients:program_pdf")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, active_plan):
    for url in (
        reverse("patients:program_pdf"),
        reverse("portal:plan_program_pdf", kwargs={"pk": active_plan.patient.pk, "plan_pk": active_plan.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_without_the_pdf_library_the_page_says_so_instead_of_failing(client, active_plan, monkeypatch):
    monkeypatch.setattr("printouts.pdf.pdf_unavailable_reason", lambda: "WeasyPrint cannot be loaded: test")
    client.force_login(active_plan.patient.therapist)

    response = client.get(
        reverse("portal:plan_program_pdf", kwargs={"pk": active_plan.patient.pk, "plan_pk": active_plan.pk})
    )

    assert response.status_code == 503
    assert b"PDFs are not available on this server" in response.content
    assert not AuditEvent.objects.filter(action="plan.printed").exists()


# --- Where the links are ----------------------------------------------------------------------


def test_the_links_to_print_are_on_today_and_in_the_portal(client, active_plan):
    patient = active_plan.patient
    portal_pdf = reverse("portal:plan_program_pdf", kwargs={"pk": patient.pk, "plan_pk": active_plan.pk})

    client.force_login(patient.user)
    today = client.get(reverse("patients:today")).content.decode()
    assert reverse("patients:program_pdf") in today and "Print my program" in today

    client.force_login(patient.therapist)
    for page in (
        reverse("portal:patient_detail", kwargs={"pk": patient.pk}),
        reverse("portal:plan_detail", kwargs={"pk": patient.pk, "plan_pk": active_plan.pk}),
    ):
        html = client.get(page).content.decode()
        assert portal_pdf in html and "Print the program (PDF)" in html
