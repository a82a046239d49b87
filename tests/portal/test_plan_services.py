"""The plan services' rules: copy from a template, versions, approval, targets, pause/complete."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections

from audit.models import AuditEvent
from exercises.models import Exercise, WeekExercise
from patients import services
from patients.models import Patient, Plan, PlanExercise, PlanPause, PlanWeek
from tests.factories import PatientFactory, TherapistFactory

User = get_user_model()

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)


@pytest.fixture
def draft(patient, handout_program):
    return services.plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=START,
        by=patient.therapist,
        note_to_patient="Slowly.",
    )


def set_target(*, plan_exercise, by, **target) -> PlanExercise:
    """Change one exercise's targets, as the plan editor does."""
    services.plan_edit(
        plan=plan_exercise.week.plan, by=by, targets=[{"exercise": plan_exercise.exercise.slug, **target}]
    )
    plan_exercise.refresh_from_db()
    return plan_exercise


def _item(plan, slug) -> PlanExercise:
    return PlanExercise.objects.select_related("exercise", "week__plan").get(
        week__plan=plan, exercise__slug=slug
    )


# --- Copy from template -------------------------------------------------------------------


def test_a_new_plan_copies_the_handouts_three_weeks_with_targets_at_the_bottom_of_each_range(draft):
    weeks = list(draft.weeks.order_by("number"))
    assert [(w.number, w.exercises.count()) for w in weeks] == [(1, 3), (2, 3), (3, 3)]
    assert weeks[0].title == "Getting started"
    assert draft.status == Plan.Status.DRAFT and draft.version == 1 and draft.note_to_patient == "Slowly."
    press_up = _item(draft, "forearm-press-up")
    assert (press_up.target_hold_seconds, press_up.target_reps) == (10, 5)
    hip = _item(draft, "lying-hip-rotation-stretch")
    assert (hip.reps_min, hip.reps_max, hip.target_reps) == (5, 5, 5)


def test_the_plan_copies_each_weeks_progression_rule(draft, handout_program):
    for template_week in handout_program.weeks.all():
        assert draft.weeks.get(number=template_week.number).rule_values() == template_week.rule_values()


def test_adjusting_the_plan_never_changes_the_template(draft, handout_program):
    before = list(WeekExercise.objects.filter(week__template=handout_program).values())
    set_target(
        plan_exercise=_item(draft, "pelvic-tilt"),
        by=draft.patient.therapist,
        target_hold_seconds=8,
        target_reps=9,
    )
    services.plan_exercise_remove(plan_exercise=_item(draft, "bridge"), by=draft.patient.therapist)
    assert list(WeekExercise.objects.filter(week__template=handout_program).values()) == before


def test_only_the_patients_own_therapist_can_make_a_plan(patient, handout_program):
    colleague = TherapistFactory(clinic=patient.clinic)
    with pytest.raises(ValidationError):
        services.plan_create_from_template(
            confirm_start_date=True, patient=patient, template=handout_program, start_date=START, by=colleague
        )
    assert not Plan.objects.filter(patient=patient).exists()


def test_a_second_draft_is_refused(draft, handout_program):
    with pytest.raises(ValidationError, match="already has a draft"):
        services.plan_create_from_template(
            confirm_start_date=True,
            patient=draft.patient,
            template=handout_program,
            start_date=START,
            by=draft.patient.therapist,
        )


# --- Targets ------------------------------------------------------------------------------


def test_a_target_inside_the_range_needs_no_reason(draft):
    item = set_target(
        plan_exercise=_item(draft, "pelvic-tilt"),
        by=draft.patient.therapist,
        target_hold_seconds=10,
        target_reps=8,
    )
    item.refresh_from_db()
    assert (item.target_hold_seconds, item.target_reps, item.out_of_range_reason) == (10, 8, "")


def test_a_target_outside_the_range_needs_a_reason_which_is_kept(draft):
    item = _item(draft, "pelvic-tilt")
    with pytest.raises(ValidationError) as error:
        set_target(plan_exercise=item, by=draft.patient.therapist, target_hold_seconds=15, target_reps=8)
    assert [e.params["field"] for e in error.value.error_dict["targets"]] == ["out_of_range_reason"]
    assert _item(draft, "pelvic-tilt").target_hold_seconds == 5

    set_target(
        plan_exercise=_item(draft, "pelvic-tilt"),
        by=draft.patient.therapist,
        target_hold_seconds=15,
        target_reps=8,
        out_of_range_reason="Athlete; holds 15 s comfortably.",
    )
    item = _item(draft, "pelvic-tilt")
    assert item.target_hold_seconds == 15 and item.out_of_range_reason == "Athlete; holds 15 s comfortably."


def test_adding_an_exercise_from_the_library_to_a_week_and_not_twice(draft):
    extra = Exercise.objects.create(
        name="Cat-camel",
        slug="cat-camel",
        starting_position="Hands and knees.",
        instructions="Arch, then round.",
    )
    week2 = draft.weeks.get(number=2)
    added = services.plan_exercise_add(week=week2, exercise=extra, by=draft.patient.therapist, target_reps=7)
    assert (added.week.number, added.target_reps, added.target_hold_seconds) == (2, 7, 5)
    assert list(week2.exercises.order_by("order").values_list("exercise__slug", flat=True))[-1] == "cat-camel"
    with pytest.raises(ValidationError, match="already in this plan"):
        services.plan_exercise_add(week=draft.weeks.get(number=1), exercise=extra, by=draft.patient.therapist)


# --- Approval -----------------------------------------------------------------------------


def test_approval_records_who_and_when_and_freezes_the_version(draft):
    therapist = draft.patient.therapist
    plan = services.plan_approve(plan=draft, by=therapist)
    assert plan.status == Plan.Status.APPROVED
    assert plan.approved_by == therapist and plan.approved_at is not None
    assert AuditEvent.objects.filter(action="plan.approved").count() == 1
    with pytest.raises(ValidationError, match="frozen"):
        set_target(
            plan_exercise=_item(plan, "pelvic-tilt"), by=therapist, target_hold_seconds=6, target_reps=6
        )
    with pytest.raises(ValidationError, match="Only a draft"):
        services.plan_approve(plan=plan, by=therapist)


@pytest.mark.parametrize(
    "approver",
    [
        lambda p: TherapistFactory(clinic=p.clinic),
        lambda p: TherapistFactory(),
        lambda p: p.user,
    ],
    ids=["colleague-same-clinic", "therapist-other-clinic", "the-patient"],
)
def test_only_the_patients_own_therapist_approves(draft, approver):
    with pytest.raises(ValidationError, match="own therapist"):
        services.plan_approve(plan=draft, by=approver(draft.patient))
    draft.refresh_from_db()
    assert draft.status == Plan.Status.DRAFT and draft.approved_by is None


def test_a_plan_without_exercises_cannot_be_approved(draft):
    for item in PlanExercise.objects.filter(week__plan=draft):
        services.plan_exercise_remove(plan_exercise=item, by=draft.patient.therapist)
    with pytest.raises(ValidationError, match="at least one exercise"):
        services.plan_approve(plan=draft, by=draft.patient.therapist)


# --- Versions -----------------------------------------------------------------------------


def test_changing_an_approved_plan_makes_a_new_version_and_the_old_one_stays_readable(active_plan):
    therapist = active_plan.patient.therapist
    draft = services.plan_revise(plan=active_plan, by=therapist)
    assert (draft.version, draft.status, draft.previous_version) == (2, Plan.Status.DRAFT, active_plan)
    assert PlanExercise.objects.filter(week__plan=draft).count() == 9
    set_target(plan_exercise=_item(draft, "pelvic-tilt"), by=therapist, target_hold_seconds=8, target_reps=8)
    active_plan.refresh_from_db()
    assert active_plan.status == Plan.Status.APPROVED, "the patient keeps the approved version meanwhile"

    services.plan_approve(plan=draft, by=therapist)
    active_plan.refresh_from_db()
    assert active_plan.status == Plan.Status.SUPERSEDED and active_plan.ended_at is not None
    assert active_plan.approved_by == therapist and active_plan.approved_at is not None
    assert _item(active_plan, "pelvic-tilt").target_hold_seconds == 5
    assert _item(draft, "pelvic-tilt").target_hold_seconds == 8


def test_a_draft_cannot_be_revised_and_only_one_revision_at_a_time(active_plan):
    therapist = active_plan.patient.therapist
    draft = services.plan_revise(plan=active_plan, by=therapist)
    with pytest.raises(ValidationError):
        services.plan_revise(plan=draft, by=therapist)
    with pytest.raises(ValidationError, match="already being drafted"):
        services.plan_revise(plan=active_plan, by=therapist)


# --- Pause, resume, complete --------------------------------------------------------------


def test_pause_resume_and_complete(active_plan):
    therapist = active_plan.patient.therapist
    today = active_plan.patient.local_date()
    services.plan_pause(plan=active_plan, by=therapist, reason="Flare-up", on=today)
    active_plan.refresh_from_db()
    assert active_plan.status == Plan.Status.PAUSED
    with pytest.raises(ValidationError):
        services.plan_pause(plan=active_plan, by=therapist)
    services.plan_resume(plan=active_plan, by=therapist, on=today + dt.timedelta(days=2))
    pause = PlanPause.objects.get(plan=active_plan)
    assert (pause.reason, pause.paused_on, pause.resumed_on) == (
        "Flare-up",
        today,
        today + dt.timedelta(days=2),
    )
    services.plan_complete(plan=active_plan, by=therapist)
    active_plan.refresh_from_db()
    assert active_plan.status == Plan.Status.COMPLETED
    with pytest.raises(ValidationError):
        services.plan_resume(plan=active_plan, by=therapist)


def test_an_invitation_is_for_the_own_therapist_only_and_is_a_working_reset_token(patient):
    from django.contrib.auth.tokens import default_token_generator

    uidb64, token = services.patient_invitation(patient=patient, by=patient.therapist)
    assert default_token_generator.check_token(patient.user, token)
    with pytest.raises(ValidationError):
        services.patient_invitation(patient=patient, by=TherapistFactory(clinic=patient.clinic))


# --- Losing a race to a concurrent request ------------------------------------------------
#
# Two requests can both pass a service's "already there?" check before either inserts; the
# database's unique constraint then refuses the second insert. Its request gets the same
# ValidationError as a sequential duplicate (a form error or a 400, not a 500), and nothing of
# it is stored.

TAKEN = {"username": ["That username is taken. Choose another."]}


def test_a_username_that_differs_only_in_case_loses_the_race_too(therapist, lose_the_race):
    PatientFactory(therapist=therapist, user__username="rita.moreno", user__first_name="Other")
    with lose_the_race(User), pytest.raises(ValidationError) as error:
        services.patient_create(
            therapist=therapist, username="Rita.Moreno", first_name="Rita", last_name="Moreno"
        )
    assert error.value.message_dict == TAKEN
    assert User.objects.filter(username__iexact="rita.moreno").count() == 1


def test_the_loser_of_a_race_for_a_username_gets_the_taken_message_and_nothing_is_stored(
    therapist, lose_the_race
):
    PatientFactory(therapist=therapist, user__username="rita.moreno", user__first_name="Other")
    with lose_the_race(User), pytest.raises(ValidationError) as error:
        services.patient_create(
            therapist=therapist, username="rita.moreno", first_name="Rita", last_name="Moreno"
        )
    assert error.value.message_dict == TAKEN
    assert list(Patient.objects.values_list("user__first_name", flat=True)) == ["Other"]
    assert User.objects.filter(username="rita.moreno").count() == 1
    left = User.objects.filter(first_name="Rita", last_name="Moreno")  # the therapist may be a Rita
    assert not left.exists(), "no login left without its patient"
    assert not AuditEvent.objects.filter(action="patient.created").exists()


def test_an_unexpected_integrity_error_while_adding_a_patient_is_not_hidden(therapist):
    with (
        mock.patch.object(User, "save", side_effect=IntegrityError("some other constraint")),
        pytest.raises(IntegrityError, match="some other constraint"),
    ):
        services.patient_create(therapist=therapist, username="rita", first_name="Rita", last_name="Moreno")
    assert not Patient.objects.exists()


def test_the_loser_of_a_race_for_a_first_draft_gets_the_draft_message_and_nothing_is_stored(
    patient, handout_program, lose_the_race
):
    services.plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=START,
        by=patient.therapist,
        note_to_patient="1",
    )

    with lose_the_race(Plan), pytest.raises(ValidationError) as error:
        services.plan_create_from_template(
            confirm_start_date=True,
            patient=patient,
            template=handout_program,
            start_date=START,
            by=patient.therapist,
            note_to_patient="2",
        )
    assert error.value.messages == ["This patient already has a draft plan. Edit or approve it."]
    assert list(Plan.objects.values_list("note_to_patient", flat=True)) == ["1"]
    assert (PlanWeek.objects.count(), PlanExercise.objects.count()) == (3, 9)
    assert AuditEvent.objects.filter(action="plan.created").count() == 1


def test_the_loser_of_a_race_to_revise_a_plan_gets_the_drafting_message_and_nothing_is_stored(
    active_plan, lose_the_race
):
    therapist = active_plan.patient.therapist

    services.plan_revise(plan=active_plan, by=therapist)

    with lose_the_race(Plan), pytest.raises(ValidationError) as error:
        services.plan_revise(plan=active_plan, by=therapist)
    assert error.value.messages == ["A new version is already being drafted."]
    assert list(Plan.objects.order_by("version").values_list("version", "status")) == [
        (1, Plan.Status.APPROVED),
        (2, Plan.Status.DRAFT),
    ]
    assert PlanExercise.objects.count() == 2 * 9
    assert AuditEvent.objects.filter(action="plan.revised").count() == 1


def test_the_loser_of_a_race_to_add_an_exercise_to_a_week_gets_the_already_in_message(draft, lose_the_race):
    extra = Exercise.objects.create(
        name="Cat-camel", slug="cat-camel", starting_position="-", instructions="-"
    )
    week = draft.weeks.get(number=2)
    therapist = draft.patient.therapist

    services.plan_exercise_add(week=week, exercise=extra, by=therapist, target_reps=7)

    with lose_the_race(PlanExercise), pytest.raises(ValidationError) as error:
        services.plan_exercise_add(week=week, exercise=extra, by=therapist, target_reps=9)
    assert error.value.message_dict == {"exercise": ["Cat-camel is already in this plan."]}
    assert list(PlanExercise.objects.filter(exercise=extra).values_list("target_reps", flat=True)) == [7]
    assert AuditEvent.objects.filter(action="plan.changed", data__added="cat-camel").count() == 1


def _both_at_once(model, call):
    """Run `call(n)` in two threads that both pass the service's check before either inserts:
    each waits at its first `model.save()` until the other arrives there too. Returns the
    results and the exceptions raised."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises every write, so two requests can never race; "
            "run with DATABASE_URL=postgres://..."
        )
    both_checked = threading.Barrier(2)
    arrived = threading.local()
    real_save = model.save

    def save(self, *args, **kwargs):
        if not getattr(arrived, "yes", False):
            arrived.yes = True
            both_checked.wait(timeout=10)
        return real_save(self, *args, **kwargs)

    results, failures = [], []

    def request(n):
        try:
            results.append(call(n))
        except Exception as exc:  # noqa: BLE001 (examined by the caller)
            failures.append(exc)
        finally:
            connections.close_all()

    with mock.patch.object(model, "save", save):
        threads = [threading.Thread(target=request, args=(n,)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return results, failures


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_for_one_username_make_one_patient_and_a_clear_message(therapist):
    results, failures = _both_at_once(
        User,
        lambda n: services.patient_create(
            therapist=therapist, username="rita.moreno", first_name=f"Rita {n}", last_name="Moreno"
        ),
    )
    assert len(results) == 1, failures
    assert [type(f) for f in failures] == [ValidationError]
    assert failures[0].message_dict == TAKEN
    assert User.objects.filter(username="rita.moreno").count() == 1
    assert Patient.objects.get().user.username == "rita.moreno"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_plans_for_one_patient_make_one_draft_and_a_clear_message(patient, handout_program):
    results, failures = _both_at_once(
        Plan,
        lambda n: services.plan_create_from_template(
            confirm_start_date=True,
            patient=patient,
            template=handout_program,
            start_date=START,
            by=patient.therapist,
        ),
    )
    assert len(results) == 1, failures
    assert [f.messages for f in failures] == [["This patient already has a draft plan. Edit or approve it."]]
    assert Plan.objects.get().pk == results[0].pk
    assert PlanWeek.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_exercise_added_to_two_weeks_at_once_is_added_once(draft):
    """No constraint forbids one exercise in two weeks of a plan: the plan row is locked while
    an exercise is added, so the second request waits for the first and finds its row."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every write; run with DATABASE_URL=postgres://...")
    extra = Exercise.objects.create(
        name="Cat-camel", slug="cat-camel", starting_position="-", instructions="-"
    )
    therapist = draft.patient.therapist
    first_saved, second_started = threading.Event(), threading.Event()
    from patients.services import plans as plan_services

    real_audit = plan_services._audit
    failures = []

    def audit(**kwargs):
        real_audit(**kwargs)
        if threading.current_thread().name == "first":
            # The first request has inserted its row and waits, uncommitted, for the second.
            first_saved.set()
            second_started.wait(timeout=10)
            time.sleep(0.3)  # the second request is now at the plan's lock (or past its check)

    def add(week_number):
        try:
            services.plan_exercise_add(week=draft.weeks.get(number=week_number), exercise=extra, by=therapist)
        except ValidationError as error:
            failures.append(error)
        finally:
            connections.close_all()

    with mock.patch.object(plan_services, "_audit", audit):
        first = threading.Thread(target=add, args=(1,), name="first")
        first.start()
        assert first_saved.wait(timeout=10)
        second = threading.Thread(target=add, args=(2,), name="second")
        second.start()
        second_started.set()
        first.join(timeout=30)
        second.join(timeout=30)

    assert PlanExercise.objects.filter(exercise=extra).count() == 1
    assert [error.message_dict for error in failures] == [
        {"exercise": ["Cat-camel is already in this plan."]}
    ]
