"""The issue's checks on the demo clinic: the demo patient's FHIR bundle validates, and the RTM
report for this month matches a count made another way (straight from the rows)."""

import pytest
from django.core.management import call_command
from django.db.models import Sum
from fhir.resources.R4B.bundle import Bundle

from billing.models import TreatmentTime
from billing.selectors import rtm_month
from patients.models import Patient, SessionLog
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_demo_patients_bundle_validates_and_the_rtm_month_matches_a_hand_count():
    call_command("load_demo", verbosity=0)
    sam = Patient.objects.select_related("therapist").get(user__username="patient")

    body = client_for(sam.therapist).get(f"/api/v1/fhir/Patient/{sam.pk}/$everything").json()
    Bundle.model_validate(body)
    kinds = [entry["resource"]["resourceType"] for entry in body["entry"]]
    assert kinds.count("Observation") == 2 * SessionLog.objects.filter(patient=sam).count() > 0
    assert kinds.count("CarePlan") == kinds.count("Goal") == 1

    month = sam.local_date().replace(day=1)
    [row] = [r for r in rtm_month(user=sam.therapist, month=month) if r.patient.pk == sam.pk]
    for period in row.month.periods:
        logged = SessionLog.objects.filter(patient=sam, date__range=(period.start, period.end)).count()
        assert period.days == logged, period
    spent = TreatmentTime.objects.filter(patient=sam, day__gte=month).aggregate(n=Sum("minutes"))["n"] or 0
    assert row.month.minutes == spent
