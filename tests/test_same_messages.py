"""The same bad input gives the same message on the web pages and through the API.

Each rule is written once, in patients.services; the forms and serializers only check shape.
For each input below the therapist's plan page (or the patient's session form) and the API
refuse with exactly the same messages, and nothing is stored.
"""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import PlanExercise, PlanWeek, SessionLog
from patients.services import plan_create_from_template
from tests.api.conftest import client_for
from tests.patients.helpers import form_data
from tests.portal.test_pages import draft_form, plan_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(patient, handout_program):
    return plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=patient.therapist,
    )


def _flatten(errors) -> list[str]:
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in _flatten(value)]
    return list(errors)


# --- The therapist's plan editor and PATCH /api/v1/plans/{id}/ ---------------------------------

TARGETS = [
    pytest.param(
        "pelvic-tilt", 30, 5, "", "the target is outside the library's range", id="out-of-range-no-reason"
    ),
    pytest.param("pelvic-tilt", 301, 5, "Strong.", "a hold target is 1 to 300 seconds", id="hold-over-limit"),
    pytest.param("pelvic-tilt", 5, 201, "Strong.", "a repetitions target is 1 to 200", id="reps-over-limit"),
    pytest.param("bridge", 0, 5, "", "a hold target is 1 to 300 seconds", id="hold-zero"),
]


@pytest.mark.parametrize(("slug", "hold", "reps", "reason", "expected"), TARGETS)
def test_a_bad_target_gets_the_same_message_on_the_plan_page_and_the_api(
    client, draft, slug, hold, reps, reason, expected
):
    therapist = draft.patient.therapist
    before = list(
        PlanExercise.objects.filter(week__plan=draft).values_list("target_hold_seconds", "target_reps")
    )
    audit_before = AuditEvent.objects.count()

    client.force_login(therapist)
    page = client.post(plan_url(draft), draft_form(draft, **{slug: (hold, reps, reason)}))
    assert page.status_code == 200
    item_form = next(
        form for week in page.context["weeks"] for item, form in week["rows"] if item.exercise.slug == slug
    )
    from_page = _flatten(item_form.errors)

    api = client_for(therapist).patch(
        f"/api/v1/plans/{draft.pk}/",
        {
            "targets": [
                {
                    "exercise": slug,
                    "target_hold_seconds": hold,
                    "target_reps": reps,
                    "out_of_range_reason": reason,
                }
            ]
        },
        format="json",
    )
    assert api.status_code == 400
    from_api = _flatten(api.json()["targets"][slug])

    assert from_page == from_api
    assert len(from_api) == 1 and expected in from_api[0]
    assert (
        list(PlanExercise.objects.filter(week__plan=draft).values_list("target_hold_seconds", "target_reps"))
        == before
    )
    assert AuditEvent.objects.count() == audit_before


RULES = [
    pytest.param(
        {"min_days_in_previous_week": 3, "min_sessions_in_previous_week": 5},
        "At most one session a day counts: 5 sessions cannot fit in 3 days.",
        id="more-sessions-than-days",
    ),
    pytest.param({"min_days_in_previous_week": 29}, "Give a whole number from 0 to 28.", id="stay-too-long"),
    pytest.param(
        {"pain_rise_limit": 0}, "Give a number from 1 to 10, or leave it empty.", id="rise-limit-zero"
    ),
    pytest.param(
        {"pain_ceiling": 11}, "Give a number from 0 to 10, or leave it empty.", id="ceiling-over-10"
    ),
    pytest.param({"no_worse_in_last_sessions": -1}, "Give a whole number from 0 to 28.", id="negative-count"),
]


@pytest.mark.parametrize(("rule", "expected"), RULES)
def test_a_bad_week_rule_gets_the_same_message_on_the_plan_page_and_the_api(client, draft, rule, expected):
    therapist = draft.patient.therapist
    week2 = PlanWeek.objects.get(plan=draft, number=2)
    before = week2.rule_values()

    client.force_login(therapist)
    data = draft_form(draft)
    data.update({f"rule{week2.pk}-{name}": value for name, value in rule.items()})
    page = client.post(plan_url(draft), data)
    assert page.status_code == 200
    from_page = _flatten(page.context["weeks"][1]["rule_form"].errors)

    api = client_for(therapist).patch(
        f"/api/v1/plans/{draft.pk}/", {"rules": [{"week": 2, **rule}]}, format="json"
    )
    assert api.status_code == 400
    from_api = _flatten(api.json()["rules"]["2"])

    assert from_page == from_api == [expected]
    assert PlanWeek.objects.get(pk=week2.pk).rule_values() == before


# --- The patient's session form and POST /api/v1/sessions/ -------------------------------------

SESSIONS = [
    pytest.param(
        {"reps": None}, "Pelvic tilt: how many repetitions did you do?", id="done-without-repetitions"
    ),
    pytest.param({"reps": 201}, "Pelvic tilt: repetitions go up to 200.", id="reps-over-limit"),
    pytest.param({"reps": -1}, "Pelvic tilt: repetitions cannot be below 0.", id="reps-below-zero"),
    pytest.param({"hold_seconds": 301}, "Pelvic tilt: a hold goes up to 300 seconds.", id="hold-over-limit"),
]


@pytest.mark.parametrize(("change", "expected"), SESSIONS)
def test_a_bad_exercise_report_gets_the_same_message_on_the_session_form_and_the_api(
    client, active_plan, change, expected
):
    patient = active_plan.patient
    day = patient.local_date()
    tilt = PlanExercise.objects.get(week__plan=active_plan, exercise__slug="pelvic-tilt")

    client.force_login(patient.user)
    form_field = {"reps": "reps", "hold_seconds": "hold"}[next(iter(change))]
    value = next(iter(change.values()))
    data = form_data(active_plan, day, **{f"ex{tilt.pk}-{form_field}": "" if value is None else str(value)})
    page = client.post(reverse("patients:log"), data)
    assert page.status_code == 200
    form = page.context["form"]
    from_page = _flatten(form.errors)
    assert list(form.errors) == [f"ex{tilt.pk}-{form_field}"], "shown on the exercise's own field"

    entries = [
        {
            "plan_exercise": item.pk,
            "done": True,
            "reps": item.target_reps,
            "hold_seconds": item.target_hold_seconds,
        }
        for item in PlanExercise.objects.filter(week__plan=active_plan, week__number=1)
    ]
    for entry in entries:
        if entry["plan_exercise"] == tilt.pk:
            entry.update(change)
    api = client_for(patient.user).post(
        "/api/v1/sessions/",
        {
            "date": day.isoformat(),
            "pain_before": 5,
            "pain_after": 3,
            "symptom_change": "better",
            "exercises": entries,
        },
        format="json",
    )
    assert api.status_code == 400
    from_api = api.json()["exercises"]

    assert from_page == from_api == [expected]
    assert not SessionLog.objects.exists()


def test_an_exercise_problem_is_shown_in_the_same_round_as_the_forms_other_problems(client, active_plan):
    """A patient who forgot the pain score and typed -2 repetitions is told both at once."""
    patient = active_plan.patient
    tilt = PlanExercise.objects.get(week__plan=active_plan, exercise__slug="pelvic-tilt")
    client.force_login(patient.user)
    data = form_data(active_plan, patient.local_date(), **{f"ex{tilt.pk}-reps": "-2"})
    del data["pain_before"]

    page = client.post(reverse("patients:log"), data)

    errors = page.context["form"].errors
    assert errors[f"ex{tilt.pk}-reps"] == ["Pelvic tilt: repetitions cannot be below 0."]
    assert errors["pain_before"] == ["Choose how much pain you had before you started, from 0 to 10."]
    assert not SessionLog.objects.exists()
