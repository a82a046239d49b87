"""Every free text a therapist or patient types has one limit, the same in forms, API, services
and database, refused with one clear message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients import services
from patients.models import TEXT_MAX_LENGTH, Plan, PlanExercise, PlanPause, ProgressionOverride, SessionLog
from patients.progression_services import progression_override
from portal.forms import PauseForm, PlanCreateForm, PlanDetailsForm, TargetForm
from portal.progression_views import ProgressionOverrideForm
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

MESSAGE = "Keep this to 2000 characters or fewer."
TOO_LONG = "x" * (TEXT_MAX_LENGTH + 1)


def test_the_limit_is_2000_characters():
    assert TEXT_MAX_LENGTH == 2000
    for model, field in [
        (Plan, "note_to_patient"),
        (PlanPause, "reason"),
        (PlanExercise, "out_of_range_reason"),
        (ProgressionOverride, "reason"),
        (SessionLog, "note"),
    ]:
        assert model._meta.get_field(field).max_length == TEXT_MAX_LENGTH


@pytest.fixture
def draft(patient, handout_program):
    return services.plan_create_from_template(
        patient=patient, template=handout_program, start_date=patient.local_date(), by=patient.therapist
    )


def test_the_services_refuse_a_longer_text_with_the_message(draft, active_plan_of_other_patient):
    by = draft.patient.therapist
    refusals = {
        "plan note": lambda: services.plan_edit(plan=draft, by=by, note_to_patient=TOO_LONG),
        "reason for a target": lambda: services.plan_edit(
            plan=draft,
            by=by,
            targets=[
                {
                    "exercise": "pelvic-tilt",
                    "target_hold_seconds": 30,
                    "target_reps": 5,
                    "out_of_range_reason": TOO_LONG,
                }
            ],
        ),
        "pause reason": lambda: services.plan_pause(
            plan=active_plan_of_other_patient, by=by, reason=TOO_LONG
        ),
        "override reason": lambda: progression_override(
            plan=active_plan_of_other_patient, by=by, action="hold", reason=TOO_LONG
        ),
    }
    for what, refuse in refusals.items():
        with pytest.raises(ValidationError) as refused:
            refuse()
        assert MESSAGE in str(refused.value), what
    assert not PlanPause.objects.exists() and not ProgressionOverride.objects.exists()


@pytest.fixture
def active_plan_of_other_patient(draft, handout_program):
    from tests.factories import PatientFactory

    patient = PatientFactory(therapist=draft.patient.therapist)
    plan = services.plan_create_from_template(
        patient=patient, template=handout_program, start_date=patient.local_date(), by=patient.therapist
    )
    return services.plan_approve(plan=plan, by=patient.therapist)


def test_the_session_note_is_refused_with_the_message(active_plan):
    with pytest.raises(ValidationError) as refused:
        services.session_log(
            patient=active_plan.patient,
            day=active_plan.patient.local_date(),
            pain_before=2,
            pain_after=2,
            symptom_change="same",
            note=TOO_LONG,
            exercises=[],
        )
    assert refused.value.message_dict["note"] == [MESSAGE]


@pytest.mark.parametrize(
    ("form", "field", "kwargs"),
    [
        (PlanCreateForm, "note_to_patient", "therapist"),
        (PlanDetailsForm, "note_to_patient", {}),
        (PauseForm, "reason", {}),
        (ProgressionOverrideForm, "reason", {}),
        (TargetForm, "out_of_range_reason", "plan_exercise"),
    ],
)
def test_the_forms_tell_the_browser_and_refuse_with_the_message(form, field, kwargs, draft):
    if kwargs == "therapist":  # the programs offered are those the therapist's clinic sees
        kwargs = {"user": draft.patient.therapist}
    if kwargs == "plan_exercise":
        kwargs = {"plan_exercise": PlanExercise.objects.filter(week__plan=draft).first()}
    unbound = form(**kwargs)
    assert unbound.fields[field].widget.attrs["maxlength"] == str(TEXT_MAX_LENGTH)
    prefix = f"{unbound.prefix}-" if unbound.prefix else ""
    bound = form({f"{prefix}{field}": TOO_LONG}, **kwargs)
    assert not bound.is_valid()
    assert bound.errors[field] == [MESSAGE]


def test_the_api_refuses_with_the_message(active_plan):
    client = client_for(active_plan.patient.therapist)
    response = client.post(f"/api/v1/plans/{active_plan.pk}/pause/", {"reason": TOO_LONG}, format="json")
    assert response.status_code == 400 and response.json()["reason"] == [MESSAGE]
    response = client.patch(f"/api/v1/plans/{active_plan.pk}/", {"note_to_patient": TOO_LONG}, format="json")
    assert response.status_code == 400 and response.json()["note_to_patient"] == [MESSAGE]


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Plan, "note_to_patient"),
        (PlanExercise, "out_of_range_reason"),
        (SessionLog, "note"),
    ],
)
def test_the_database_refuses_a_longer_text_written_around_the_services(active_plan, model, field):
    services.session_log(
        patient=active_plan.patient,
        day=active_plan.patient.local_date() - dt.timedelta(days=1),
        pain_before=2,
        pain_after=2,
        symptom_change="same",
        exercises=[],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.update(**{field: TOO_LONG})
