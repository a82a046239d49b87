"""The monthly RTM report on hand-built months: what a clinic's biller would count by hand."""

import csv
import datetime as dt
import html
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from billing.models import BillingCode, TreatmentTime
from billing.selectors import rtm_month
from patients.models import Patient
from patients.services import session_log
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

from .conftest import run

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
URL = "/portal/rtm/"


def named(therapist, first, last, **kwargs):
    patient = PatientFactory(therapist=therapist, **kwargs)
    patient.user.first_name, patient.user.last_name = first, last
    patient.user.save()
    return patient


def minutes(patient, day, n, *, interactive=True, assistant=False):
    TreatmentTime.objects.create(
        patient=patient,
        day=day,
        minutes=n,
        interactive=interactive,
        by_assistant=assistant,
        performed_by="Jo",
        activity="Reviewed the logs",
        recorded_by=patient.therapist,
    )


def by_name(rows):
    return {row.name: row.month for row in rows}


@pytest.fixture
def march(therapist, monitored):
    """Patients monitored from 1 March with 1, 2, 15, 16 and 30 days of data in period 1
    (1–30 March), and their minutes of March."""
    made = {}
    for count, mins, interactive in [
        (1, 9, True),
        (2, 10, True),
        (15, 19, True),
        (16, 20, True),
        (30, 40, True),
    ]:
        patient = named(therapist, f"P{count:02}", "Days")
        monitored(patient, MARCH, run(MARCH, count))
        minutes(patient, dt.date(2026, 3, 5), mins, interactive=interactive)
        made[count] = patient
    late = named(therapist, "Late", "Night")
    monitored(late, MARCH, run(MARCH, 16))
    minutes(late, dt.date(2026, 3, 9), 20, interactive=False)  # no real-time interaction
    minutes(late, dt.date(2026, 3, 23), 21, interactive=False)
    return made


def test_a_hand_counted_march(therapist, march):
    rows = by_name(rtm_month(user=therapist, month=MARCH, today=dt.date(2026, 6, 1)))
    summary = {
        name: (
            [(p.number, p.days, p.code) for p in m.periods],
            m.minutes,
            m.interactive,
            [str(e) for e in m.codes],
        )
        for name, m in rows.items()
    }
    assert summary == {
        "P01 Days": ([(1, 1, None), (2, 0, None)], 9, True, []),
        "P02 Days": ([(1, 2, "98985"), (2, 0, None)], 10, True, ["98975", "98985", "98979"]),
        "P15 Days": ([(1, 15, "98985"), (2, 0, None)], 19, True, ["98975", "98985", "98979"]),
        "P16 Days": ([(1, 16, "98977"), (2, 0, None)], 20, True, ["98975", "98977", "98980"]),
        "P30 Days": ([(1, 30, "98977"), (2, 0, None)], 40, True, ["98975", "98977", "98980", "98981"]),
        "Late Night": ([(1, 16, "98977"), (2, 0, None)], 41, False, ["98975", "98977"]),
    }


def test_41_minutes_with_an_assistant_give_one_add_on_marked_cq(therapist, monitored):
    patient = named(therapist, "Cq", "Case")
    monitored(patient, MARCH, [])
    minutes(patient, dt.date(2026, 3, 2), 30)
    minutes(patient, dt.date(2026, 3, 20), 11, interactive=False, assistant=True)
    month = by_name(rtm_month(user=therapist, month=MARCH, today=dt.date(2026, 6, 1)))["Cq Case"]
    assert (month.minutes, month.assistant_minutes, [str(e) for e in month.codes]) == (
        41,
        11,
        ["98980-CQ", "98981-CQ"],
    )


def test_periods_across_the_month_boundary_and_a_pause(therapist, monitored):
    """From 20 Jan: period 2 is 19 Feb–20 Mar, period 3 is 21 Mar–19 Apr. Logged 15 Feb–5 Mar,
    nothing while paused 6–24 March, then 25 March–10 April."""
    patient = named(therapist, "Pia", "Pause")
    plan = monitored(
        patient, dt.date(2026, 1, 20), run(dt.date(2026, 2, 15), 19) + run(dt.date(2026, 3, 25), 17)
    )
    plan.pauses.create(paused_on=dt.date(2026, 3, 6), resumed_on=dt.date(2026, 3, 25), paused_by=therapist)
    month = by_name(rtm_month(user=therapist, month=MARCH, today=dt.date(2026, 6, 1)))["Pia Pause"]
    # Period 2: 19 Feb–5 Mar = 15 days; period 3: 25 Mar–10 Apr = 17 days.
    assert [(p.number, p.start, p.end, p.days, p.code) for p in month.periods] == [
        (2, dt.date(2026, 2, 19), dt.date(2026, 3, 20), 15, "98985"),
        (3, dt.date(2026, 3, 21), dt.date(2026, 4, 19), 17, "98977"),
    ]
    assert [str(e) for e in month.codes] == ["98985"]  # period 3 is counted in April
    april = by_name(rtm_month(user=therapist, month=dt.date(2026, 4, 1), today=dt.date(2026, 6, 1)))[
        "Pia Pause"
    ]
    assert [str(e) for e in april.codes] == ["98977"]


def test_a_session_at_23_30_local_time_counts_on_the_patients_own_day(therapist, monitored, monkeypatch):
    """New York, 30 March 23:30 (EDT) is 31 March 03:30 UTC: the day counts in period 1
    (1–30 March), not in period 2 that starts on 31 March."""
    patient = named(therapist, "Nia", "York", timezone="America/New_York")
    monitored(patient, MARCH, run(MARCH, 15))
    at = dt.datetime(2026, 3, 31, 3, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    session, created = session_log(
        patient=patient, day=patient.local_date(), pain_before=3, pain_after=2, symptom_change="same"
    )
    assert created and session.date == dt.date(2026, 3, 30)
    month = by_name(rtm_month(user=therapist, month=MARCH, today=dt.date(2026, 6, 1)))["Nia York"]
    assert [(p.number, p.days, p.code) for p in month.periods] == [(1, 16, "98977"), (2, 0, None)]


def test_each_role_sees_its_own_patients_only(client, therapist, march):
    colleague = TherapistFactory(clinic=therapist.clinic)
    theirs = named(colleague, "Col", "League")
    minutes(theirs, dt.date(2026, 3, 2), 15)
    elsewhere = TherapistFactory()
    minutes(named(elsewhere, "Far", "Away"), dt.date(2026, 3, 2), 15)
    manager = ManagerFactory(clinic=therapist.clinic)

    def names(user):
        client.force_login(user)
        response = client.get(URL, {"month": "2026-03"})
        assert response.status_code == 200
        return {row.name for row in response.context["rows"]}

    assert names(therapist) == {"P01 Days", "P02 Days", "P15 Days", "P16 Days", "P30 Days", "Late Night"}
    assert names(colleague) == {"Col League"}
    assert names(manager) == names(therapist) | {"Col League"}
    assert names(elsewhere) == {"Far Away"}
    client.force_login(Patient.objects.get(user__first_name="P01").user)
    assert client.get(URL, {"month": "2026-03"}).status_code == 403
    assert client.get(URL + "rtm.csv", {"month": "2026-03"}).status_code == 403


def test_the_page_says_what_each_code_means_and_that_it_supports_billing_judgement(client, therapist, march):
    client.force_login(therapist)
    page = html.unescape(client.get(URL, {"month": "2026-03"}).content.decode())
    assert "does not replace, your clinic's billing judgement" in page
    for code in ("98975", "98985", "98977", "98979", "98980", "98981"):
        assert code in page
    assert "2–15 days with data in a 30-day period" in page


def test_the_codes_are_data_a_changed_threshold_changes_the_report(therapist, march):
    BillingCode.objects.filter(code="98985").update(max_days=14)
    BillingCode.objects.filter(code="98977").update(min_days=15)
    rows = by_name(rtm_month(user=therapist, month=MARCH, today=dt.date(2026, 6, 1)))
    assert rows["P15 Days"].periods[0].code == "98977"


@pytest.mark.parametrize("month", ["2026-13", "March", "1999-12", "2999-01"])
def test_a_bad_month_gets_a_clear_message(client, therapist, month):
    client.force_login(therapist)
    response = client.get(URL, {"month": month})
    assert response.status_code == 400
    assert response.context["form"].errors["month"]


def test_the_report_reads_with_a_fixed_number_of_queries(
    client, therapist, monitored, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            patient = named(therapist, f"Q{n}{i}", "Count")
            monitored(patient, MARCH, run(MARCH, 3 + i))
            minutes(patient, dt.date(2026, 3, 4), 12)

    add(1)
    # The codes, the plans, the days with a session, the month's minutes, the patients.
    with django_assert_num_queries(5):
        assert len(rtm_month(user=therapist, month=MARCH)) == 1
    client.force_login(therapist)
    client.get(URL, {"month": "2026-03"})  # the login's first request touches the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL, {"month": "2026-03"}).status_code == 200
    add(4)
    with django_assert_num_queries(5):
        assert len(rtm_month(user=therapist, month=MARCH)) == 5
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(URL, {"month": "2026-03"}).context["rows"]) == 5
    assert len(one) == len(five)


def test_the_csv_is_neutralised_audited_and_not_cached(client, therapist, monitored):
    patient = named(therapist, "=HYPERLINK(1)", "Evil")
    monitored(patient, MARCH, run(MARCH, 16))
    minutes(patient, dt.date(2026, 3, 3), 20)
    client.force_login(therapist)
    response = client.get(URL + "rtm.csv", {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["patient"], r["period"], r["days_with_data"], r["period_code"]) for r in lines] == [
        ("'=HYPERLINK(1) Evil", "1", "16", "98977"),
        ("'=HYPERLINK(1) Evil", "2", "0", ""),
    ]
    assert lines[0]["codes_earned"] == "98975 98977 98980"
    event = AuditEvent.objects.get(action="report.exported")
    assert (
        event.data["export"] == "rtm.csv"
        and event.data["start"] == "2026-03-01"
        and event.data["end"] == "2026-03-31"
    )


def test_a_manager_narrows_the_month_to_one_therapist_and_a_therapist_cannot(client, therapist, march):
    colleague = TherapistFactory(clinic=therapist.clinic)
    minutes(named(colleague, "Col", "League"), dt.date(2026, 3, 2), 15)
    manager = ManagerFactory(clinic=therapist.clinic)
    client.force_login(manager)
    response = client.get(URL, {"month": "2026-03", "therapist": colleague.pk})
    assert [row.name for row in response.context["rows"]] == ["Col League"]
    csv_text = b"".join(
        client.get(URL + "rtm.csv", {"month": "2026-03", "therapist": colleague.pk}).streaming_content
    )
    assert b"Col League" in csv_text and b"P16 Days" not in csv_text
    other_clinic = TherapistFactory()
    assert client.get(URL, {"month": "2026-03", "therapist": other_clinic.pk}).status_code == 400
    client.force_login(therapist)  # a therapist's report is their own caseload, whatever is asked
    response = client.get(URL, {"month": "2026-03", "therapist": colleague.pk})
    assert "Col League" not in {row.name for row in response.context["rows"]}
