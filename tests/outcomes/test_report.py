"""The clinic's outcome report: patients with baseline and follow-up, mean change, share reaching
the meaningful improvement, per therapist and for the clinic; page, CSV and API agree."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from outcomes.services import response_submit
from patients.services import plan_approve, plan_create_from_template
from reports.outcomes import outcome_report

from ..api.conftest import client_for
from ..factories import PatientFactory, TherapistFactory


def _patient_with_pain(therapist, template, baseline: int, week2: int | None):
    patient = PatientFactory(therapist=therapist)
    start = patient.local_date() - dt.timedelta(days=16)
    plan = plan_create_from_template(
        patient=patient, template=template, start_date=start, by=therapist, confirm_start_date=True
    )
    plan_approve(plan=plan, by=therapist)
    response_submit(patient=patient, code="nprs", answers=[baseline], today=start)
    if week2 is not None:
        response_submit(patient=patient, code="nprs", answers=[week2], today=start + dt.timedelta(days=14))
    return patient


@pytest.fixture
def clinic(instruments, therapist, manager, handout_program):
    colleague = TherapistFactory(clinic=therapist.clinic)
    _patient_with_pain(therapist, handout_program, 6, 3)  # −3: meaningful
    _patient_with_pain(therapist, handout_program, 5, 4)  # −1 (20 %): not
    _patient_with_pain(therapist, handout_program, 4, None)  # baseline only: not counted
    _patient_with_pain(colleague, handout_program, 8, 4)  # −4: meaningful
    _patient_with_pain(TherapistFactory(), handout_program, 8, 0)  # another clinic: never counted
    return {"therapist": therapist, "colleague": colleague, "manager": manager}


def _range(user):
    today = user.clinic.local_date()
    return {"start": today - dt.timedelta(days=27), "end": today}


def test_the_clinic_and_each_therapist(clinic):
    report = outcome_report(user=clinic["manager"], **_range(clinic["manager"]))
    nprs = next(row for row in report.totals if row.code == "nprs")
    # Three patients with a baseline and a follow-up: changes −3, −1, −4 → mean −2.67; 2 of 3 improved.
    assert (nprs.patients, nprs.mean_change, nprs.improved, nprs.improved_pct) == (
        3,
        Decimal("-2.67"),
        2,
        Decimal("66.7"),
    )
    rows = {(row.therapist_id, row.code): row for row in report.by_therapist}
    mine = rows[(clinic["therapist"].pk, "nprs")]
    assert (mine.patients, mine.mean_change, mine.improved) == (2, Decimal("-2.00"), 1)
    theirs = rows[(clinic["colleague"].pk, "nprs")]
    assert (theirs.patients, theirs.improved_pct) == (1, Decimal("100.0"))


def test_a_therapist_sees_only_their_own_patients_and_no_comparison(clinic):
    report = outcome_report(user=clinic["therapist"], **_range(clinic["therapist"]))
    nprs = next(row for row in report.totals if row.code == "nprs")
    assert nprs.patients == 2 and report.by_therapist == []


def test_the_page_shows_the_share_and_the_definitions(client, clinic):
    client.force_login(clinic["manager"])
    page = client.get("/portal/reports/outcomes/").content.decode()
    assert "66.7 %" in page and "2 of 3" in page
    assert "How these figures are defined" in page and "minimal clinically important difference" in page


def test_the_csv_has_the_same_figures_and_is_audited(client, clinic):
    client.force_login(clinic["manager"])
    response = client.get("/portal/reports/outcomes.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    clinic_nprs = next(row for row in rows if row["questionnaire"] == "nprs" and row["therapist"] == "all")
    assert clinic_nprs["patients_with_baseline_and_follow_up"] == "3"
    assert clinic_nprs["mean_change"] == "-2.67" and clinic_nprs["meaningfully_improved_pct"] == "66.7"
    assert AuditEvent.objects.filter(action="report.exported", data__export="outcomes.csv").exists()


def test_the_api_has_the_same_figures(clinic):
    api = client_for(clinic["manager"])
    body = api.get("/api/v1/reports/outcomes/").json()
    nprs = next(row for row in body["totals"] if row["instrument_code"] == "nprs")
    assert (nprs["patients"], nprs["mean_change"], nprs["improved_pct"]) == (3, "-2.67", "66.7")
    assert {row["therapist_id"] for row in body["therapists"]} == {
        clinic["therapist"].pk,
        clinic["colleague"].pk,
    }
    assert api.get("/api/v1/reports/outcomes/", {"start": "not a date"}).status_code == 400


@pytest.mark.parametrize("extra", [0, 6])
def test_the_report_takes_a_fixed_number_of_queries(
    clinic, handout_program, extra, django_assert_max_num_queries
):
    for n in range(extra):
        _patient_with_pain(clinic["colleague"], handout_program, 7, n % 7)
    with django_assert_max_num_queries(2):
        outcome_report(user=clinic["manager"], **_range(clinic["manager"]))
