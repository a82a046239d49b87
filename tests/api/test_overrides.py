"""The therapist's move on / hold / release / go back through the API, as on the portal page."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import Plan, ProgressionOverride
from patients.progression_services import progression_override

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _url(plan) -> str:
    return f"/api/v1/plans/{plan.pk}/overrides/"


@pytest.mark.parametrize(
    ("action", "before", "to_week", "state"),
    [
        ("advance", None, 2, Plan.ProgressionState.IN_WEEK),
        ("hold", None, 1, Plan.ProgressionState.HELD),
        ("release", "hold", 1, Plan.ProgressionState.IN_WEEK),
        ("back", "advance", 1, Plan.ProgressionState.IN_WEEK),
    ],
)
def test_each_decision_is_recorded_audited_and_moves_the_plan(active_plan, action, before, to_week, state):
    therapist = active_plan.patient.therapist
    if before:
        progression_override(plan=active_plan, by=therapist, action=before, reason="Earlier decision.")
    from_week = Plan.objects.get(pk=active_plan.pk).current_week

    response = client_for(therapist).post(
        _url(active_plan), {"action": action, "reason": "Reviewed the week with the patient."}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["action"], body["from_week"], body["to_week"]) == (action, from_week, to_week)
    assert body["effective_on"] == active_plan.patient.local_date().isoformat()
    assert (body["progression"]["current_week"], body["progression"]["state"]) == (to_week, state)
    override = ProgressionOverride.objects.get(pk=body["id"])
    assert (override.created_by, override.reason) == (therapist, "Reviewed the week with the patient.")
    event = AuditEvent.objects.get(action=f"progression.{action}")
    assert event.actor == therapist
    assert event.data["reason"] == "Reviewed the week with the patient."
    plan = Plan.objects.get(pk=active_plan.pk)
    assert (plan.current_week, plan.progression_state) == (to_week, state)


def test_a_decision_from_an_earlier_day(active_plan):
    start = active_plan.start_date
    response = client_for(active_plan.patient.therapist).post(
        _url(active_plan),
        {
            "action": "advance",
            "reason": "Moved on at the visit.",
            "effective_on": (start + dt.timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["effective_on"] == (start + dt.timedelta(days=1)).isoformat()


def _portal_messages(client, plan, body) -> list[str]:
    response = client.post(reverse("portal:progression", args=[plan.patient.pk]), body)
    assert response.status_code == 400
    return sorted(message for messages in response.context["form"].errors.values() for message in messages)


def _api_messages(response) -> list[str]:
    assert response.status_code == 400
    return sorted(message for messages in response.json().values() for message in messages)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"action": "hold", "reason": "  "}, "Say why, so the patient's history explains it."),
        ({"reason": "No decision chosen."}, "Choose move on, hold, release or go back."),
        ({"action": "jump", "reason": "Two weeks at once."}, "Choose move on, hold, release or go back."),
        (
            {"action": "hold", "reason": "Tomorrow.", "effective_on": "{tomorrow}"},
            "Choose today or an earlier day.",
        ),
        ({"action": "hold", "reason": "Too early.", "effective_on": "{before_start}"}, "The plan started on"),
        ({"action": "back", "reason": "Too early."}, "The patient is in week 1; there is no week before it."),
        ({"action": "release", "reason": "Nothing held."}, "There is no hold by the therapist to release."),
    ],
)
def test_bad_decisions_are_400_with_the_portals_message_and_store_nothing(
    client, active_plan, body, expected
):
    therapist = active_plan.patient.therapist
    today = active_plan.patient.local_date()
    days = {
        "{tomorrow}": (today + dt.timedelta(days=1)).isoformat(),
        "{before_start}": (active_plan.start_date - dt.timedelta(days=1)).isoformat(),
    }
    body = {key: days.get(value, value) for key, value in body.items()}
    client.force_login(therapist)

    from_api = _api_messages(client_for(therapist).post(_url(active_plan), body, format="json"))
    from_portal = _portal_messages(client, active_plan, body)

    assert from_api == from_portal
    assert any(message.startswith(expected) for message in from_api), from_api
    assert not ProgressionOverride.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="progression.").exists()


def test_a_plan_that_is_not_followed_now_cannot_be_moved_on(active_plan):
    therapist = active_plan.patient.therapist
    client = client_for(therapist)
    assert client.post(f"/api/v1/plans/{active_plan.pk}/complete/").status_code == 200

    response = client.post(_url(active_plan), {"action": "advance", "reason": "Done."}, format="json")

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        "Only the plan the patient follows now can be moved on or held."
    ]
    assert not ProgressionOverride.objects.exists()
