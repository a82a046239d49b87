"""Approving a draft whose page holds unsaved changes approves what the therapist sees."""

import pytest
from django.core.exceptions import ValidationError

from patients import services
from patients.models import Plan, PlanExercise

from .test_pages import draft_form, plan_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(patient, handout_program):
    return services.plan_create_from_template(
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=patient.therapist,
    )


def test_approving_with_a_changed_target_saves_it_and_approves_it(client, draft):
    client.force_login(draft.patient.therapist)
    response = client.post(
        plan_url(draft, "portal:plan_approve"), draft_form(draft, **{"pelvic-tilt": (8, 10, "")}), follow=True
    )
    draft.refresh_from_db()
    assert draft.status == Plan.Status.APPROVED
    tilt = PlanExercise.objects.get(week__plan=draft, exercise__slug="pelvic-tilt")
    assert (tilt.target_hold_seconds, tilt.target_reps) == (8, 10)
    html = response.content.decode()
    assert "Your changes were saved and version 1 approved" in html
    assert "Hold 8 s · 10 repetitions" in html


def test_approving_with_a_refused_change_approves_nothing_and_keeps_the_change_on_screen(client, draft):
    client.force_login(draft.patient.therapist)
    data = draft_form(draft, **{"pelvic-tilt": (20, 10, "")})
    data["note_to_patient"] = "Typed before approving."
    response = client.post(plan_url(draft, "portal:plan_approve"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved or approved" in html
    assert 'value="20"' in html and "Typed before approving." in html
    draft.refresh_from_db()
    assert draft.status == Plan.Status.DRAFT and draft.note_to_patient == ""


def test_approving_without_changes_still_approves(client, draft):
    client.force_login(draft.patient.therapist)
    response = client.post(plan_url(draft, "portal:plan_approve"), draft_form(draft), follow=True)
    draft.refresh_from_db()
    assert draft.status == Plan.Status.APPROVED
    assert "Version 1 approved: the patient sees it now." in response.content.decode()


def test_edit_and_approve_is_one_transaction(draft):
    """A change saved and then an approval refused (no exercise left) leaves the draft as it was."""
    PlanExercise.objects.filter(week__plan=draft).delete()
    with pytest.raises(ValidationError):
        services.plan_edit_and_approve(plan=draft, by=draft.patient.therapist, note_to_patient="Changed")
    draft.refresh_from_db()
    assert draft.status == Plan.Status.DRAFT and draft.note_to_patient == ""
