"""A start date far in the past or future is asked about, by the service, on the page and the API."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients import services
from patients.models import Plan
from tests.api.conftest import client_for

from .test_pages import draft_form, plan_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("days", "asked"),
    [(-15, True), (-14, False), (0, False), (90, False), (91, True)],
)
def test_the_service_asks_about_a_start_more_than_14_days_back_or_90_ahead(
    patient, handout_program, days, asked
):
    start = patient.local_date() + dt.timedelta(days=days)
    create = {"patient": patient, "template": handout_program, "start_date": start, "by": patient.therapist}
    if asked:
        with pytest.raises(ValidationError) as refused:
            services.plan_create_from_template(**create)
        assert "Check the date, or confirm that the plan starts on that day" in str(refused.value)
        assert not Plan.objects.filter(patient=patient).exists()
        plan = services.plan_create_from_template(**create, confirm_start_date=True)
    else:
        plan = services.plan_create_from_template(**create)
    assert plan.start_date == start


def test_the_plan_page_warns_and_offers_yes_start_on_that_day(client, patient, handout_program):
    plan = services.plan_create_from_template(
        patient=patient, template=handout_program, start_date=patient.local_date(), by=patient.therapist
    )
    client.force_login(patient.therapist)
    data = draft_form(plan)
    data["start_date"] = "2020-01-01"
    response = client.post(plan_url(plan), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 January 2020 is more than 14 days ago" in html
    assert "Yes, start on that day" in html
    plan.refresh_from_db()
    assert plan.start_date == patient.local_date()

    data["confirm_start_date"] = "on"
    assert client.post(plan_url(plan), data).status_code == 302
    plan.refresh_from_db()
    assert plan.start_date == dt.date(2020, 1, 1)


def test_a_new_plan_page_asks_too(client, patient, handout_program):
    client.force_login(patient.therapist)
    url = reverse("portal:plan_create", kwargs={"pk": patient.pk})
    data = {"template": handout_program.pk, "start_date": "2020-01-01"}
    page = client.get(url).content.decode()
    assert "Yes, start on that day" not in page
    html = client.post(url, data).content.decode()
    assert "1 January 2020 is more than 14 days ago" in html and "Yes, start on that day" in html
    assert not Plan.objects.filter(patient=patient).exists()
    assert client.post(url, {**data, "confirm_start_date": "on"}).status_code == 302
    assert Plan.objects.get(patient=patient).start_date == dt.date(2020, 1, 1)


def test_the_api_answers_400_unless_confirm_start_date(patient, handout_program):
    client = client_for(patient.therapist)
    far = (patient.local_date() + dt.timedelta(days=200)).isoformat()
    body = {"patient": patient.pk, "template": handout_program.slug, "start_date": far}
    response = client.post("/api/v1/plans/", body, format="json")
    assert response.status_code == 400
    assert "more than 90 days ahead" in response.json()["start_date"][0]
    response = client.post("/api/v1/plans/", {**body, "confirm_start_date": True}, format="json")
    assert response.status_code == 201
    plan_id = response.json()["id"]
    response = client.patch(f"/api/v1/plans/{plan_id}/", {"start_date": "2020-01-01"}, format="json")
    assert response.status_code == 400 and "more than 14 days ago" in response.json()["start_date"][0]
