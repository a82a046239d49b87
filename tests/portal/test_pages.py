"""What a therapist does in the portal, through its pages."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from exercises.models import Exercise
from patients import services
from patients.models import Alert, Patient, Plan, PlanExercise
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

NEW_PATIENT = {
    "first_name": "Rita",
    "last_name": "Moreno",
    "username": "rita.moreno",
    "email": "rita@example.org",
    "baseline_pain": "5",
}


def plan_url(plan, name="portal:plan_detail"):
    return reverse(name, kwargs={"pk": plan.patient_id, "plan_pk": plan.pk})


def draft_form(plan, **changes):
    """The draft editor's form as the browser would send it, with `changes` per exercise slug."""
    data = {
        "action": "save",
        "start_date": plan.start_date.isoformat(),
        "note_to_patient": plan.note_to_patient,
    }
    for item in PlanExercise.objects.filter(week__plan=plan).select_related("exercise"):
        hold, reps, reason = changes.get(item.exercise.slug, (item.target_hold_seconds, item.target_reps, ""))
        data[f"pe{item.pk}-target_hold_seconds"] = hold
        data[f"pe{item.pk}-target_reps"] = reps
        data[f"pe{item.pk}-out_of_range_reason"] = reason
    data.update(rule_form_data(plan))
    return data


def rule_form_data(plan, **changes_by_week):
    """Each week's rule fields (weeks 2 on) as the browser sends them; an unticked box is absent."""
    data = {}
    for week in plan.weeks.filter(number__gt=1):
        for name, value in {**week.rule_values(), **changes_by_week.get(week.number, {})}.items():
            if value is True:
                data[f"rule{week.pk}-{name}"] = "on"
            elif value not in (None, False):
                data[f"rule{week.pk}-{name}"] = value
    return data


# --- Adding a patient ---------------------------------------------------------------------


def test_adding_a_patient_with_an_invitation_link_shown_once(client, therapist):
    client.force_login(therapist)
    response = client.post(reverse("portal:patient_add"), {**NEW_PATIENT, "access": "invite"}, follow=True)
    patient = Patient.objects.get(user__username="rita.moreno")
    assert (patient.therapist, patient.clinic, patient.baseline_pain) == (therapist, therapist.clinic, 5)
    assert patient.user.role == "patient" and not patient.user.has_usable_password()
    link = response.context["invitation_link"]
    assert link.startswith("http://testserver/accounts/reset/") and link in response.content.decode()

    again = client.get(reverse("portal:patient_welcome", kwargs={"pk": patient.pk}))
    assert again.context["invitation_link"] is None and "already shown" in again.content.decode()

    client.logout()
    form_page = client.get(link, follow=True)
    assert "Choose your password" in form_page.content.decode()
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-new-pass-91", "new_password2": "a-long-new-pass-91"},
    )
    assert client.login(username="rita.moreno", password="a-long-new-pass-91")


def test_adding_a_patient_with_a_temporary_password(client, therapist):
    client.force_login(therapist)
    client.post(
        reverse("portal:patient_add"), {**NEW_PATIENT, "access": "password", "password": "Spring-walk-2026"}
    )
    assert client.login(username="rita.moreno", password="Spring-walk-2026")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "Taken"}, "username", "That username is taken"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"username": "has space"}, "username", "valid username"),
        ({"access": "password", "password": ""}, "password", "Type a temporary password"),
        ({"access": "password", "password": "123"}, "password", "too short"),
        ({"baseline_pain": "11"}, "baseline_pain", "less than or equal to 10"),
    ],
)
def test_bad_patient_input_is_explained_keeps_what_was_typed_and_stores_nothing(
    client, therapist, changes, field, message
):
    UserFactory(username="taken", role="patient", clinic=therapist.clinic)
    client.force_login(therapist)
    data = {**NEW_PATIENT, "access": "invite", **changes}
    response = client.post(reverse("portal:patient_add"), data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert 'value="Moreno"' in response.content.decode()
    assert not Patient.objects.filter(user__last_name="Moreno").exists()


def test_losing_a_race_for_the_username_is_explained_on_the_form_and_stores_nothing(
    client, therapist, lose_the_race
):
    """Another request took the username after this one checked it, before it inserted."""

    PatientFactory(therapist=therapist, user__username="rita.moreno", user__last_name="Other")

    client.force_login(therapist)
    with lose_the_race(User):
        response = client.post(reverse("portal:patient_add"), {**NEW_PATIENT, "access": "invite"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == ["That username is taken. Choose another."]
    assert 'value="Moreno"' in response.content.decode()
    # Rita Moreno by both names: the factory's therapist may be a Moreno too.
    assert not User.objects.filter(first_name="Rita", last_name="Moreno").exists()
    assert Patient.objects.count() == 1


# --- Building, approving and changing a plan ----------------------------------------------


def test_losing_a_race_for_the_draft_is_explained_on_the_form(
    client, patient, handout_program, lose_the_race
):
    """Another request made a draft for this patient after this one checked, before it inserted."""

    services.plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=patient.therapist,
    )

    client.force_login(patient.therapist)
    with lose_the_race(Plan):
        response = client.post(
            reverse("portal:plan_create", kwargs={"pk": patient.pk}),
            {
                "template": handout_program.pk,
                "start_date": patient.local_date().isoformat(),
                "note_to_patient": "Mornings are best.",
            },
        )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This patient already has a draft plan. Edit or approve it."
    ]
    assert list(Plan.objects.values_list("note_to_patient", flat=True)) == [""]


def test_building_a_plan_from_the_handout_adjusting_it_and_approving_it(client, patient, handout_program):
    therapist = patient.therapist
    client.force_login(therapist)
    start = patient.local_date()
    response = client.post(
        reverse("portal:plan_create", kwargs={"pk": patient.pk}),
        {
            "template": handout_program.pk,
            "start_date": start.isoformat(),
            "note_to_patient": "Mornings are best.",
        },
    )
    plan = Plan.objects.get(patient=patient)
    assert response.url == plan_url(plan) and plan.status == "draft"

    response = client.post(plan_url(plan), draft_form(plan, **{"pelvic-tilt": (8, 10, "")}))
    assert response.status_code == 302
    tilt = PlanExercise.objects.get(week__plan=plan, exercise__slug="pelvic-tilt")
    assert (tilt.target_hold_seconds, tilt.target_reps) == (8, 10)

    bridge = PlanExercise.objects.get(week__plan=plan, exercise__slug="bridge")
    client.post(plan_url(plan, "portal:plan_exercise_remove"), {"plan_exercise": bridge.pk})
    assert not PlanExercise.objects.filter(pk=bridge.pk).exists()

    extra = Exercise.objects.create(
        name="Cat-camel", slug="cat-camel", starting_position="-", instructions="-"
    )
    client.post(
        plan_url(plan),
        {
            "action": "add",
            "add-week": 3,
            "add-exercise": extra.pk,
            "add-target_hold_seconds": "",
            "add-target_reps": 6,
        },
    )
    added = PlanExercise.objects.get(week__plan=plan, exercise=extra)
    assert (added.week.number, added.target_reps) == (3, 6)

    response = client.post(plan_url(plan, "portal:plan_approve"), follow=True)
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.approved_by == therapist
    assert "approved: the patient sees it now" in response.content.decode()
    assert "Approval record" in response.content.decode()


@pytest.mark.parametrize("posted", ["bridge", "", "²", "9" * 5000])
def test_removing_an_exercise_that_is_no_exercise_id_is_not_found_and_removes_nothing(
    client, patient, handout_program, posted
):
    plan = services.plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=patient.therapist,
    )
    before = PlanExercise.objects.filter(week__plan=plan).count()
    client.force_login(patient.therapist)
    response = client.post(plan_url(plan, "portal:plan_exercise_remove"), {"plan_exercise": posted})
    assert response.status_code == 404
    assert PlanExercise.objects.filter(week__plan=plan).count() == before


def test_a_target_outside_the_range_without_a_reason_saves_nothing_and_keeps_the_input(
    client, patient, handout_program
):
    from patients.services import plan_create_from_template

    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=patient.therapist,
    )
    client.force_login(patient.therapist)
    data = draft_form(plan, **{"pelvic-tilt": (20, 10, ""), "partial-curl": (9, 9, "")})
    data["note_to_patient"] = "A note typed before the error."
    response = client.post(plan_url(plan), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "outside the library" in html and "Give a reason" in html
    assert 'value="20"' in html and "A note typed before the error." in html
    plan.refresh_from_db()
    assert plan.note_to_patient == ""
    assert PlanExercise.objects.get(week__plan=plan, exercise__slug="partial-curl").target_hold_seconds == 5

    tilt_pk = PlanExercise.objects.get(week__plan=plan, exercise__slug="pelvic-tilt").pk
    data[f"pe{tilt_pk}-out_of_range_reason"] = "Used to long holds."
    assert client.post(plan_url(plan), data).status_code == 302
    tilt = PlanExercise.objects.get(week__plan=plan, exercise__slug="pelvic-tilt")
    assert (tilt.target_hold_seconds, tilt.out_of_range_reason) == (20, "Used to long holds.")


def test_an_approved_version_is_read_only_and_changing_it_makes_a_new_version(client, active_plan):
    client.force_login(active_plan.patient.therapist)
    page = client.get(plan_url(active_plan))
    assert page.context["editable"] is False and b"Save changes" not in page.content
    response = client.post(plan_url(active_plan), draft_form(active_plan, **{"pelvic-tilt": (9, 9, "")}))
    assert (
        PlanExercise.objects.get(week__plan=active_plan, exercise__slug="pelvic-tilt").target_hold_seconds
        == 5
    )

    response = client.post(plan_url(active_plan, "portal:plan_revise"), follow=True)
    draft = Plan.objects.get(patient=active_plan.patient, status="draft")
    assert draft.version == 2 and response.redirect_chain[-1][0] == plan_url(draft)
    assert "keeps following the approved version" in response.content.decode()

    client.post(plan_url(draft, "portal:plan_approve"))
    old = client.get(plan_url(active_plan))
    assert old.context["plan"].status == "superseded"
    assert "See version 2" in old.content.decode()
    assert active_plan.patient.therapist.get_full_name() in old.content.decode()  # approval record stays


def test_pause_resume_and_complete_from_the_portal(client, active_plan):
    client.force_login(active_plan.patient.therapist)
    client.post(plan_url(active_plan, "portal:plan_pause"), {"reason": "Flare-up after gardening"})
    active_plan.refresh_from_db()
    assert active_plan.status == "paused" and active_plan.pauses.get().reason == "Flare-up after gardening"
    client.post(plan_url(active_plan, "portal:plan_resume"))
    active_plan.refresh_from_db()
    assert active_plan.status == "approved"
    response = client.post(plan_url(active_plan, "portal:plan_resume"), follow=True)
    assert "Only a paused plan can be resumed." in response.content.decode()
    client.post(plan_url(active_plan, "portal:plan_complete"))
    active_plan.refresh_from_db()
    assert active_plan.status == "completed"


# --- Patient detail -----------------------------------------------------------------------


def test_the_patient_page_shows_this_week_the_timeline_the_chart_and_open_alerts(client, world):
    client.force_login(world.therapist)
    response = client.get(reverse("portal:patient_detail", kwargs={"pk": world.patient.pk}))
    html = response.content.decode()
    assert [i.exercise.name for i in response.context["exercises"]] == [
        "Single knee-to-chest stretch",
        "Double knee-to-chest stretch",
        "Pelvic tilt",
    ]
    assert "Pain 3 before, 5 after" in html and "It hurt, stopped" in html and "Stiff this morning." in html
    assert "Worse" in html and "up 2" in html
    assert "<svg" in html and "Before the session (dashed line, open circles)" in html
    assert "<td>3</td><td>5</td><td>+2</td>" in html.replace("\n", "")  # the chart's numbers as a table
    assert world.alert.message in html and "Acknowledge" in html
    assert "Continue draft version 2" in html
    assert response.context["weeks"][0].sessions_logged == 1
    assert world.session.date.strftime("%a %-d %b") in html


def test_acknowledging_an_alert_with_a_comment(client, world):
    client.force_login(world.therapist)
    url = reverse("portal:alert_acknowledge", kwargs={"pk": world.patient.pk, "alert_pk": world.alert.pk})
    response = client.post(url, {"comment": "Phoned her; lighter holds this week."}, follow=True)
    world.alert.refresh_from_db()
    assert world.alert.acknowledged_by == world.therapist
    assert world.alert.acknowledgement_comment == "Phoned her; lighter holds this week."
    assert "No open safety alerts." in response.content.decode()
    again = client.post(url, {"comment": "twice"}, follow=True)
    assert "already acknowledged" in again.content.decode()


def test_another_patients_alert_is_not_found_through_this_patient(client, world):
    other_plan_alert = Alert.objects.create(
        patient=world.other_patient,
        plan=world.plan,
        kind=Alert.Kind.HURT,
        message="x",
        cause_key="other",
    )
    client.force_login(world.therapist)
    url = reverse(
        "portal:alert_acknowledge", kwargs={"pk": world.patient.pk, "alert_pk": other_plan_alert.pk}
    )
    assert client.post(url, {"comment": "x"}).status_code == 404
