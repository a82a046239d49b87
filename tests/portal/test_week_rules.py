"""The therapist adjusts, per patient, when a plan moves on to its next week."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from patients import services
from patients.models import Plan, PlanWeek
from patients.progression_services import plan_progression_decide
from patients.selectors import plan_exercises_up_to_week
from patients.services import ExerciseEntry, plan_edit
from tests.factories import PatientFactory, TherapistFactory
from tests.portal.test_pages import draft_form, plan_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(patient, handout_program):
    return services.plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=patient.therapist,
    )


def plan_week_set_rule(*, week: PlanWeek, by, **rule) -> None:
    """Change one week's rule, as the plan editor does."""
    plan_edit(plan=week.plan, by=by, rules={week.number: rule})


def _week(plan, number) -> PlanWeek:
    return PlanWeek.objects.select_related("plan__patient__clinic").get(plan=plan, number=number)


def test_changing_week_2s_rule_in_the_editor_stores_it_audits_it_and_leaves_the_program_alone(
    client, draft, handout_program
):
    template_rule = handout_program.weeks.get(number=2).rule_values()
    week2 = _week(draft, 2)
    client.force_login(draft.patient.therapist)
    page = client.get(plan_url(draft)).content.decode()
    assert "When to move on to week 2" in page and "When to move on to week 3" in page
    assert "When to move on to week 1" not in page
    assert f'name="rule{week2.pk}-min_sessions_in_previous_week"' in page

    data = draft_form(draft)
    data[f"rule{week2.pk}-min_sessions_in_previous_week"] = "3"
    data[f"rule{week2.pk}-pain_ceiling"] = "6"
    del data[f"rule{week2.pk}-requires_therapist_confirmation"]  # unticked
    response = client.post(plan_url(draft), data, follow=True)

    assert "Changes saved." in response.content.decode()
    week2.refresh_from_db()
    assert (week2.min_sessions_in_previous_week, week2.pain_ceiling) == (3, 6)
    assert week2.requires_therapist_confirmation is False
    assert _week(draft, 3).rule_values() == handout_program.weeks.get(number=3).rule_values()
    assert handout_program.weeks.get(number=2).rule_values() == template_rule
    event = AuditEvent.objects.filter(action="plan.changed").latest("pk")
    assert event.data == {
        "week": 2,
        "rule": {
            "min_sessions_in_previous_week": 3,
            "pain_ceiling": 6,
            "requires_therapist_confirmation": False,
        },
    }


def test_saving_the_form_unchanged_records_no_rule_change(client, draft):
    client.force_login(draft.patient.therapist)
    before = AuditEvent.objects.count()
    assert client.post(plan_url(draft), draft_form(draft)).status_code == 302
    assert AuditEvent.objects.count() == before


def test_bad_rule_values_are_explained_on_their_fields_keep_the_input_and_store_nothing(client, draft):
    week2, week3 = _week(draft, 2), _week(draft, 3)
    before = (week2.rule_values(), week3.rule_values())
    client.force_login(draft.patient.therapist)
    data = draft_form(draft)
    data["note_to_patient"] = "Typed before the mistake."
    data[f"rule{week2.pk}-min_days_in_previous_week"] = "7"
    data[f"rule{week2.pk}-min_sessions_in_previous_week"] = "9"
    data[f"rule{week3.pk}-pain_ceiling"] = "11"
    audit_before = AuditEvent.objects.count()

    response = client.post(plan_url(draft), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    form2 = response.context["weeks"][1]["rule_form"]
    form3 = response.context["weeks"][2]["rule_form"]
    assert "9 sessions cannot fit in 7 days" in form2.errors["min_sessions_in_previous_week"][0]
    assert "from 0 to 10" in form3.errors["pain_ceiling"][0]
    assert "9 sessions cannot fit in 7 days" in html and "from 0 to 10" in html
    assert f'name="rule{week3.pk}-pain_ceiling" value="11"' in html
    assert "Typed before the mistake." in html
    assert (_week(draft, 2).rule_values(), _week(draft, 3).rule_values()) == before
    draft.refresh_from_db()
    assert draft.note_to_patient == ""
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"min_days_in_previous_week": 29}, "min_days_in_previous_week"),
        ({"min_days_in_previous_week": 4}, "min_sessions_in_previous_week"),  # 5 sessions in 4 days
        ({"no_worse_in_last_sessions": -1}, "no_worse_in_last_sessions"),
        ({"pain_rise_limit": 11}, "pain_rise_limit"),
        ({"pain_rise_limit": 0}, "pain_rise_limit"),
        ({"pain_ceiling": -1}, "pain_ceiling"),
        ({"on_not_met": "advance"}, "on_not_met"),
    ],
)
def test_the_service_refuses_rules_that_make_no_sense(draft, rule, field):
    week2 = _week(draft, 2)
    with pytest.raises(ValidationError) as refused:
        plan_week_set_rule(week=week2, by=draft.patient.therapist, **rule)
    assert [error.params["field"] for error in refused.value.error_dict["rules"]] == [field]
    assert _week(draft, 2).rule_values() == week2.rule_values()


def test_empty_pain_limits_and_no_minimum_stay_are_allowed(draft):
    plan_week_set_rule(
        week=_week(draft, 2),
        by=draft.patient.therapist,
        pain_rise_limit=None,
        pain_ceiling=None,
        min_days_in_previous_week=0,
        min_sessions_in_previous_week=10,
    )
    week2 = _week(draft, 2)
    assert (week2.pain_rise_limit, week2.pain_ceiling, week2.min_days_in_previous_week) == (None, None, 0)


def test_week_1_has_no_rule_to_change(draft):
    with pytest.raises(ValidationError, match="Week 1"):
        plan_week_set_rule(week=_week(draft, 1), by=draft.patient.therapist, min_sessions_in_previous_week=1)


def test_another_therapist_cannot_change_the_rule(client, draft):
    colleague = TherapistFactory(clinic=draft.patient.clinic)
    week2 = _week(draft, 2)
    with pytest.raises(ValidationError, match="own therapist"):
        plan_week_set_rule(week=week2, by=colleague, min_sessions_in_previous_week=2)

    client.force_login(colleague)
    data = draft_form(draft)
    data[f"rule{week2.pk}-min_sessions_in_previous_week"] = "2"
    assert client.post(plan_url(draft), data).status_code == 404
    assert _week(draft, 2).min_sessions_in_previous_week == 5


def test_an_approved_plans_rules_are_shown_read_only_and_cannot_be_changed(client, active_plan):
    week2 = _week(active_plan, 2)
    with pytest.raises(ValidationError, match="frozen"):
        plan_week_set_rule(week=week2, by=active_plan.patient.therapist, min_sessions_in_previous_week=2)

    client.force_login(active_plan.patient.therapist)
    page = client.get(plan_url(active_plan)).content.decode()
    assert "When to move on to week 2" in page
    assert "Minimum sessions logged in the previous week" in page
    assert f'name="rule{week2.pk}-' not in page
    data = draft_form(active_plan)
    data[f"rule{week2.pk}-min_sessions_in_previous_week"] = "2"
    client.post(plan_url(active_plan), data)
    assert _week(active_plan, 2).min_sessions_in_previous_week == 5


def _plan_with_three_sessions_in_week_1(therapist, template, *, min_sessions=None) -> Plan:
    """A patient's approved plan that started 7 days ago, logged on only 3 of those 7 days."""
    patient = PatientFactory(therapist=therapist)
    start = patient.local_date() - dt.timedelta(days=7)
    plan = services.plan_create_from_template(
        confirm_start_date=True, patient=patient, template=template, start_date=start, by=therapist
    )
    if min_sessions is not None:
        plan_week_set_rule(week=_week(plan, 2), by=therapist, min_sessions_in_previous_week=min_sessions)
    plan = services.plan_approve(plan=plan, by=therapist)
    for offset in (0, 2, 4):
        day = start + dt.timedelta(days=offset)
        services.session_log(
            patient=patient,
            day=day,
            today=day,
            pain_before=3,
            pain_after=3,
            symptom_change="same",
            note="",
            exercises=[
                ExerciseEntry(plan_exercise_id=item.pk, done=True, reps=5, hold_seconds=5, hurt=False)
                for item in plan_exercises_up_to_week(plan=plan, week=1)
            ],
        )
    return plan


def test_the_engine_follows_the_patients_adjusted_rule(therapist, handout_program):
    usual = _plan_with_three_sessions_in_week_1(therapist, handout_program)
    adjusted = _plan_with_three_sessions_in_week_1(therapist, handout_program, min_sessions=3)

    held = plan_progression_decide(plan=usual)
    ready = plan_progression_decide(plan=adjusted)

    assert (held.week, held.state) == (1, Plan.ProgressionState.HELD)
    assert any("Only 3 sessions" in reason for reason in held.reasons)
    assert (ready.week, ready.state) == (1, Plan.ProgressionState.READY)
    assert list(ready.reasons) == ["Ready for week 2: waiting for the therapist to confirm."]
