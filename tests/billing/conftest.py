"""Hand-built months: plans started on chosen days, sessions on chosen days, time recorded."""

import datetime as dt

import pytest

from billing.defaults import codes_load
from billing.models import BillingCode
from patients.models import SessionLog
from patients.services import plan_approve, plan_create_from_template


@pytest.fixture(autouse=True)
def billing_codes(request):
    """The default codes, as `make run` loads them: a migration adds them, but a transactional
    test elsewhere in the run empties every table, so each test here loads them again."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        codes_load(BillingCode)


@pytest.fixture
def monitored(handout_program):
    """monitored(patient, start, days): an approved plan from `start` and a session on each of `days`."""

    def make(patient, start: dt.date, days=()):
        plan = plan_create_from_template(
            confirm_start_date=True,
            patient=patient,
            template=handout_program,
            start_date=start,
            by=patient.therapist,
        )
        plan = plan_approve(plan=plan, by=patient.therapist)
        SessionLog.objects.bulk_create(
            SessionLog(
                patient=patient, plan=plan, date=day, pain_before=3, pain_after=3, symptom_change="same"
            )
            for day in days
        )
        return plan

    return make


def run(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(count)]
