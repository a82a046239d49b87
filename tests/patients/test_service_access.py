"""Every service decides access itself, through the models' access layer.

A view normally refuses first (404), but a service called directly — by a command, a script,
a future view that forgets — must refuse the same people: another therapist of the clinic,
a therapist of another clinic, the clinic's manager, and the patient. Nothing is changed and
nothing is audited.
"""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from exercises.models import Exercise
from patients import services
from patients.access import OutOfScope
from patients.models import Alert, Patient, Plan, PlanExercise, ProgressionOverride
from patients.progression_services import progression_override
from tests.factories import ClinicFactory, ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

CALLERS = ["therapist_same_clinic", "therapist_other_clinic", "manager", "the_patient"]


@pytest.fixture
def scene(active_plan, handout_program):
    """The patient's live plan, a draft for a second patient, an open alert; and the callers."""
    patient = active_plan.patient
    therapist = patient.therapist
    second = PatientFactory(therapist=therapist)
    draft = services.plan_create_from_template(
        confirm_start_date=True,
        patient=second,
        template=handout_program,
        start_date=second.local_date(),
        by=therapist,
    )
    alert = Alert.objects.create(
        patient=patient, plan=active_plan, kind=Alert.Kind.HURT, message="It hurt.", cause_key="hurt:test"
    )
    callers = {
        "therapist_same_clinic": TherapistFactory(clinic=patient.clinic),
        "therapist_other_clinic": TherapistFactory(clinic=ClinicFactory()),
        "manager": ManagerFactory(clinic=patient.clinic),
        "the_patient": patient.user,
    }
    return {"plan": active_plan, "patient": patient, "draft": draft, "alert": alert, "callers": callers}


def _extra_exercise() -> Exercise:
    return Exercise.objects.create(
        name="Cat-camel", slug="cat-camel", starting_position="Hands and knees.", instructions="Arch, round."
    )


SERVICES = {
    "patient_invitation": lambda s, by: services.patient_invitation(patient=s["patient"], by=by),
    "patient_update": lambda s, by: services.patient_update(
        patient=s["patient"], by=by, first_name="Changed"
    ),
    "plan_create_from_template": lambda s, by: services.plan_create_from_template(
        confirm_start_date=True,
        patient=s["patient"],
        template=s["plan"].template,
        start_date=s["patient"].local_date(),
        by=by,
    ),
    "plan_revise": lambda s, by: services.plan_revise(plan=s["plan"], by=by),
    "plan_edit": lambda s, by: services.plan_edit(
        plan=s["draft"],
        by=by,
        note_to_patient="Changed",
        targets=[{"exercise": "pelvic-tilt", "target_hold_seconds": 6, "target_reps": 6}],
        rules={2: {"min_sessions_in_previous_week": 3}},
    ),
    "plan_exercise_add": lambda s, by: services.plan_exercise_add(
        week=s["draft"].weeks.get(number=1), exercise=_extra_exercise(), by=by
    ),
    "plan_exercise_remove": lambda s, by: services.plan_exercise_remove(
        plan_exercise=PlanExercise.objects.filter(week__plan=s["draft"]).first(), by=by
    ),
    "plan_approve": lambda s, by: services.plan_approve(plan=s["draft"], by=by),
    "plan_pause": lambda s, by: services.plan_pause(plan=s["plan"], by=by, reason="Flare-up."),
    "plan_resume": lambda s, by: services.plan_resume(plan=s["plan"], by=by),
    "plan_complete": lambda s, by: services.plan_complete(plan=s["plan"], by=by),
    "alert_acknowledge": lambda s, by: services.alert_acknowledge(alert=s["alert"], by=by, comment="Seen."),
    "alerts_acknowledge": lambda s, by: services.alerts_acknowledge(alerts=[s["alert"]], by=by, comment="Ok"),
    "progression_override": lambda s, by: progression_override(
        plan=s["plan"], by=by, action="hold", reason="Wait for the review."
    ),
}


def _state():
    """What a refused call must leave unchanged."""
    return (
        AuditEvent.objects.count(),
        list(Plan.objects.order_by("pk").values_list("pk", "status", "note_to_patient", "current_week")),
        list(PlanExercise.objects.order_by("pk").values_list("pk", "target_hold_seconds", "target_reps")),
        list(Alert.objects.values_list("pk", "acknowledged_at")),
        ProgressionOverride.objects.count(),
        list(Patient.objects.values_list("pk", "user__first_name")),
    )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_a_service_refuses_anyone_but_the_patients_own_therapist(scene, name, caller):
    before = _state()
    with pytest.raises(OutOfScope) as refused:
        SERVICES[name](scene, scene["callers"][caller])
    assert refused.value.messages == ["Only the patient's own therapist can do this."]
    assert _state() == before


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_patients_own_therapist_gets_past_the_access_check(scene, name):
    """The same calls by the patient's own therapist are not refused for access (the plan is
    not paused, so resuming it is refused for its state instead)."""
    try:
        SERVICES[name](scene, scene["patient"].therapist)
    except OutOfScope:  # pragma: no cover - the failure this test exists to catch
        pytest.fail(f"{name} refused the patient's own therapist")
    except ValidationError as error:
        assert name == "plan_resume", error.messages
        assert error.messages == ["Only a paused plan can be resumed."]


@pytest.mark.parametrize("caller", ["manager", "the_patient"])
def test_only_a_therapist_adds_a_patient(scene, caller):
    with pytest.raises(ValidationError, match="Only a therapist can add a patient"):
        services.patient_create(
            therapist=scene["callers"][caller], username="new.one", first_name="New", last_name="One"
        )
    assert not Patient.objects.filter(user__username="new.one").exists()


def test_a_draft_is_reached_within_the_callers_scope_under_the_same_lock(scene):
    """A stale copy of the plan is not trusted: plan_edit reads it again (here: approved
    meanwhile, so it is frozen), whoever handed it over."""
    stale = Plan.objects.get(pk=scene["draft"].pk)
    services.plan_approve(plan=scene["draft"], by=scene["patient"].therapist)
    with pytest.raises(ValidationError, match="frozen"):
        services.plan_edit(plan=stale, by=scene["patient"].therapist, note_to_patient="Too late.")
    assert Plan.objects.get(pk=stale.pk).note_to_patient == ""


def test_a_patient_moved_to_another_therapist_is_no_longer_the_first_ones(scene):
    patient = scene["patient"]
    first = patient.therapist
    colleague = scene["callers"]["therapist_same_clinic"]
    Patient.objects.filter(pk=patient.pk).update(therapist=colleague)
    with pytest.raises(OutOfScope):
        services.plan_pause(plan=scene["plan"], by=first, reason="Old habit.")
    services.plan_pause(plan=scene["plan"], by=colleague, reason="Flare-up.", on=patient.local_date())
    assert Plan.objects.get(pk=scene["plan"].pk).status == Plan.Status.PAUSED
