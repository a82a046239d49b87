"""A name typed into BackCare cannot become a spreadsheet formula in a clinic's export.

A cell of text that starts with = + - @, a tab or a carriage return is opened by Excel,
LibreOffice and Google Sheets as a formula (`=HYPERLINK(...)` sends whoever clicks it
elsewhere). Every CSV export prefixes such text with a single quote; numbers stay numbers,
so a pain change of -2 is still -2 (see reports/exports.py).
"""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from patients.services import plan_approve, plan_create_from_template
from reports.exports import csv_cell
from tests.factories import PatientFactory, TherapistFactory
from tests.patients.helpers import log_on

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode(), newline="")))


@pytest.mark.parametrize("first", DANGEROUS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_text_starting_with_a_formula_character_is_quoted(first):
    assert csv_cell(f'{first}HYPERLINK("http://evil.example","Open")').startswith(f"'{first}HYPERLINK")


@pytest.mark.parametrize("value", ["Anna Able", "O'Neil", "5.0", "", "2025-03-01", "a=b"])
def test_ordinary_text_is_unchanged(value):
    assert csv_cell(value) == value


@pytest.mark.parametrize("value", [-2, 0, 3, -1.5, None])
def test_numbers_stay_numbers(value):
    assert csv_cell(value) == value


@pytest.fixture
def formula_patients(therapist, handout_program):
    """One patient per dangerous first character, each with a plan and two sessions in which
    pain went down by 2 (a pain change of -2)."""
    patients = []
    for i, first in enumerate(DANGEROUS):
        patient = PatientFactory(
            therapist=therapist,
            user__first_name=f'{first}HYPERLINK("http://evil.example/{i}","Open")',
            user__last_name=f"Zed{i}",
        )
        today = patient.local_date()
        plan = plan_create_from_template(
            patient=patient, template=handout_program, start_date=today - dt.timedelta(days=3), by=therapist
        )
        plan = plan_approve(plan=plan, by=therapist)
        log_on(plan, today - dt.timedelta(days=2), pain=5)
        log_on(plan, today - dt.timedelta(days=1), pain=3)
        patients.append(patient)
    return patients


def _no_cell_is_a_formula(rows, numeric_columns):
    for row in rows:
        for column, value in row.items():
            if column in numeric_columns:
                continue
            assert not value or value[0] not in "=+-@\t\r", (column, value)


def test_patient_export_neutralises_every_formula_but_keeps_the_pain_change(
    client, manager, formula_patients
):
    client.force_login(manager)
    rows = _rows(client.get(reverse("reports:export_patients")))
    names = [r["patient"] for r in rows]
    assert len(names) == len(DANGEROUS)
    # A full name is trimmed, so a leading tab or CR is gone already; the others are quoted.
    assert sorted(name[:2] for name in names) == ["'+", "'-", "'=", "'@", "HY", "HY"]
    assert {r["pain_change"] for r in rows} == {"-2"}  # a number, not text
    _no_cell_is_a_formula(rows, {"pain_change"})


def test_daily_export_neutralises_every_formula(client, therapist, formula_patients):
    client.force_login(therapist)
    rows = _rows(client.get(reverse("reports:export_daily")))
    assert {r["patient"][:2] for r in rows} == {"'=", "'+", "'-", "'@", "HY"}
    _no_cell_is_a_formula(rows, set())


def test_a_therapist_name_starting_with_a_sign_is_neutralised(client, handout_program):
    # The exports name the therapist (the username only when there is no name).
    therapist = TherapistFactory(username="@sum", first_name="", last_name="")
    patient = PatientFactory(therapist=therapist)
    client.force_login(therapist)
    plan = plan_create_from_template(
        patient=patient,
        template=handout_program,
        start_date=patient.local_date() - dt.timedelta(days=1),
        by=therapist,
    )
    plan_approve(plan=plan, by=therapist)
    rows = _rows(client.get(reverse("reports:export_patients")))
    assert [r["therapist"] for r in rows] == ["'@sum"]
    daily = _rows(client.get(reverse("reports:export_daily")))
    assert {r["therapist"] for r in daily} == {"'@sum"}
