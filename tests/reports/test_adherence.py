"""Adherence figures checked against hand counts (range 1–28 March 2025, handout program:
3 exercises a day in week 1, 6 in week 2, 9 from week 3; week 2 and 3 need the therapist).

Every history goes through the services on the day it happens (`tests.patients.helpers.on_day`):
plans approved, paused and resumed, the therapist's overrides and every session through
`session_log`, so the progression engine decides the week each day was in, as in real use.
"""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Alert, ProgressionOverride
from patients.progression_services import progression_override
from patients.services import plan_approve, plan_create_from_template, plan_pause, plan_resume
from reports import daily as daily_rows
from reports import selectors
from tests.factories import PatientFactory, TherapistFactory
from tests.patients.helpers import log_on, on_day

START, END = date(2025, 3, 1), date(2025, 3, 28)
ADVANCE = ProgressionOverride.Action.ADVANCE


def d(day: int) -> date:
    return date(2025, 3, day)


def approved_plan(patient, template, start, *, on=None):
    """A plan of `template` from `start`, created and approved on day `on` (default: `start`)."""
    with on_day(on or start):
        plan = plan_create_from_template(
            confirm_start_date=True,
            patient=patient,
            template=template,
            start_date=start,
            by=patient.therapist,
        )
        return plan_approve(plan=plan, by=patient.therapist)


def advance(plan, day):
    with on_day(day):
        progression_override(plan=plan, by=plan.patient.therapist, action=ADVANCE, reason="Doing well.")


def pause(plan, day):
    with on_day(day):
        return plan_pause(plan=plan, by=plan.patient.therapist)


def resume(plan, day):
    with on_day(day):
        return plan_resume(plan=plan, by=plan.patient.therapist)


@pytest.fixture
def clinic_data(therapist, manager, handout_program):
    # A: plan from 1 March, held in week 1 (never confirmed), paused 10–12 March; sessions on
    # 1, 2, 3 and 20, and 11 March (paused) filled in on 13 March: that one is not counted.
    a = PatientFactory(therapist=therapist, user__first_name="Anna", user__last_name="Able")
    plan_a = approved_plan(a, handout_program, d(1))
    log_on(plan_a, d(1), pain=4, done=3)
    log_on(plan_a, d(2), pain=4, done=2)
    log_on(plan_a, d(3), pain=5, done=0)
    pause(plan_a, d(10))
    resume(plan_a, d(13))
    log_on(plan_a, d(11), pain=6, done=3, on=d(13))  # on a paused day: not counted
    log_on(plan_a, d(20), pain=7, done=3)
    # B: plan approved on 1 March, starting mid-range (20 March), no session at all.
    b = PatientFactory(therapist=therapist, user__first_name="Ben", user__last_name="Brook")
    approved_plan(b, handout_program, d(20), on=d(1))
    # C: only a draft plan: not in the report.
    c = PatientFactory(therapist=therapist, user__first_name="Cara", user__last_name="Cole")
    plan_create_from_template(
        confirm_start_date=True, patient=c, template=handout_program, start_date=d(1), by=therapist
    )
    # D: another therapist's patient, plan from 1 February, moved on to week 2 on 8 February
    # and week 3 on 15 February; paused from 15 March and not resumed; logged every day 1–14
    # March with everything done; one open alert.
    other = TherapistFactory(clinic=therapist.clinic, first_name="Olga", last_name="Other")
    dee = PatientFactory(therapist=other, user__first_name="Dee", user__last_name="Dunn")
    plan_d = approved_plan(dee, handout_program, date(2025, 2, 1))
    advance(plan_d, date(2025, 2, 8))
    advance(plan_d, date(2025, 2, 15))
    for day in range(1, 15):
        log_on(plan_d, d(day), pain=3)
    pause(plan_d, d(15))
    # The alerts the engine raised from these histories (silence, pain) were acknowledged by
    # the therapists; one alert of Dee's stays open.
    with on_day(END):
        Alert.objects.update(acknowledged_at=timezone.now(), acknowledged_by=therapist)
    Alert.objects.create(patient=dee, plan=plan_d, kind="hurt", message="It hurt", cause_key="x")
    # E: another clinic, never in this clinic's report.
    stranger = PatientFactory(user__first_name="Eve", user__last_name="Elsewhere")
    log_on(approved_plan(stranger, handout_program, d(1)), d(5))
    return {"a": a, "b": b, "c": c, "d": dee, "other": other, "stranger": stranger}


def rows_for(user, **extra):
    rows = selectors.adherence_by_patient(user=user, clinic=user.clinic, start=START, end=END, **extra)
    return {row.user.first_name: row for row in rows}


def test_per_patient_figures_match_hand_counts(manager, clinic_data):
    rows = rows_for(manager)
    assert set(rows) == {"Anna", "Ben", "Dee"}  # no draft-only patient, no other clinic

    anna = rows["Anna"]
    assert anna.prescribed_days == 25  # 28 days minus the 3 paused
    assert anna.sessions_logged == 4  # the session on a paused day does not count
    assert anna.exercises_prescribed == 25 * 3  # held in week 1 all along: 3 a day
    assert anna.exercises_done == 3 + 2 + 0 + 3
    assert anna.first_pain == 4 and anna.last_pain == 7 and anna.pain_change == 3
    assert anna.flag_worsening and anna.flag_silent and not anna.flag_alerts
    assert anna.last_session == d(20)
    assert round(anna.session_pct) == 16

    ben = rows["Ben"]
    assert (ben.prescribed_days, ben.sessions_logged) == (9, 0)
    assert ben.exercises_prescribed == 9 * 3  # week 1 (waiting for the therapist)
    assert ben.session_pct == 0 and ben.pain_change is None and ben.last_session is None
    assert ben.flag_silent and not ben.flag_worsening

    dee = rows["Dee"]
    assert (dee.prescribed_days, dee.sessions_logged) == (14, 14)
    assert (dee.exercises_prescribed, dee.exercises_done) == (14 * 9, 14 * 9)
    assert dee.adherent == 1 and dee.pain_change == 0
    assert dee.open_alerts == 1 and dee.flag_alerts
    assert not dee.flag_silent  # the last three days were paused, so not prescribed


def test_a_session_counts_when_another_plan_covers_a_paused_plans_day(manager, therapist, handout_program):
    # Fay's first plan (from 1 March) is paused from 5 March; on 6 March a new plan from
    # 3 March replaces it (approving it supersedes the paused one). On 6 March the old plan is
    # paused but the new one covers the day: that session counts; so does 4 March (neither paused).
    fay = PatientFactory(therapist=therapist, user__first_name="Fay", user__last_name="Ford")
    first = approved_plan(fay, handout_program, d(1))
    log_on(first, d(2), done=1)
    log_on(first, d(4), done=2)
    pause(first, d(5))
    approved_plan(fay, handout_program, d(3), on=d(6))
    log_on(first, d(6), done=3)

    row = rows_for(manager)["Fay"]
    assert (row.sessions_logged, row.exercises_done) == (3, 1 + 2 + 3)
    daily = list(daily_rows.adherence_daily_rows(user=manager, clinic=manager.clinic, start=d(6), end=d(6)))
    assert [(r[0], r[7], r[8]) for r in daily] == [("2025-03-06", 1, 3)]  # the new plan's row


def test_summary_and_per_therapist(manager, therapist, clinic_data):
    by_therapist = selectors.adherence_by_therapist(user=manager, clinic=manager.clinic, start=START, end=END)
    names = {row["therapist_name"]: row for row in by_therapist}
    mine = names[therapist.get_full_name()]
    assert (mine["patients"], mine["prescribed_days_total"], mine["sessions_logged_total"]) == (2, 34, 4)
    assert names["Olga Other"]["adherent_patients"] == 1

    summary = selectors.adherence_summary(user=manager, clinic=manager.clinic, start=START, end=END)
    assert summary["prescribed_days_total"] == 25 + 9 + 14
    assert summary["sessions_logged_total"] == 4 + 0 + 14
    assert summary["exercises_prescribed_total"] == 75 + 27 + 126
    assert summary["exercises_done_total"] == 8 + 126
    assert (summary["adherent_patients"], summary["patients_with_days"]) == (1, 3)
    assert summary["open_alerts_total"] == 1
    assert summary["pain_change_avg"] == pytest.approx(1.5)  # (+3 + 0) / 2


def test_weekly_buckets_add_up(manager, clinic_data):
    weeks = selectors.adherence_weekly(user=manager, clinic=manager.clinic, start=START, end=END)
    assert [w["start"] for w in weeks] == [d(1), d(8), d(15), d(22)]
    assert [w["sessions_prescribed"] for w in weeks] == [7 + 7, 4 + 7, 7 + 2, 7 + 7]
    assert [w["sessions_logged"] for w in weeks] == [3 + 7, 7, 1, 0]
    assert sum(w["exercises_prescribed"] for w in weeks) == 228
    assert sum(w["exercises_done"] for w in weeks) == 134


def test_daily_rows_agree_with_the_totals(manager, clinic_data):
    rows = list(daily_rows.adherence_daily_rows(user=manager, clinic=manager.clinic, start=START, end=END))
    assert len(rows) == 48  # one per prescribed day
    cols = daily_rows.DAILY_COLUMNS
    as_dicts = [dict(zip(cols, row, strict=True)) for row in rows]
    assert sum(r["session_logged"] for r in as_dicts) == 18
    assert sum(r["exercises_prescribed"] for r in as_dicts) == 228
    assert sum(r["exercises_done"] for r in as_dicts) == 134
    assert not any(r["date"] == "2025-03-11" and r["patient"] == "Anna Able" for r in as_dicts)


def test_therapist_sees_only_their_own_patients(therapist, clinic_data):
    assert set(rows_for(therapist)) == {"Anna", "Ben"}
    assert set(rows_for(clinic_data["other"])) == {"Dee"}


def test_manager_filters_by_therapist(manager, clinic_data):
    assert set(rows_for(manager, therapist=clinic_data["other"])) == {"Dee"}


# --- Pages, exports, API ---------------------------------------------------------------------


def query(**extra):
    return {"start": START.isoformat(), "end": END.isoformat(), **extra}


def test_page_shows_figures_tables_and_definitions(client, manager, clinic_data):
    client.force_login(manager)
    response = client.get(reverse("reports:index"), query())
    assert response.status_code == 200
    html = response.content.decode()
    assert "18 of 48 prescribed" in html
    assert "134 of 228 prescribed" in html
    assert "By therapist" in html and "Olga Other" in html
    assert f'href="/portal/patients/{clinic_data["a"].pk}/"' in html
    assert "Worsening pain" in html and "No session for 3+ days" in html
    assert "Definitions" in html and "Elsewhere" not in html
    assert "<svg" in html and "style=" not in html


def test_therapist_page_has_no_therapist_table(client, therapist, clinic_data):
    client.force_login(therapist)
    html = client.get(reverse("reports:index"), query()).content.decode()
    assert "By therapist" not in html and "Dee" not in html and "Anna" in html


def test_default_range_is_the_last_four_weeks(client, manager, clinic_data):
    client.force_login(manager)
    response = client.get(reverse("reports:index"))
    form = response.context["form"]
    assert (form.cleaned_data["end"] - form.cleaned_data["start"]).days == 27


def test_bad_range_is_explained_and_keeps_the_input(client, manager, clinic_data):
    client.force_login(manager)
    response = client.get(reverse("reports:index"), query(start="2025-04-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The start date must be on or before the end date." in html
    assert 'value="2025-04-01"' in html


@pytest.mark.parametrize(
    "name", ["reports:index", "reports:export_patients", "reports:export_daily", "api:reports-adherence"]
)
def test_patients_get_403(client, clinic_data, name):
    client.force_login(clinic_data["a"].user)
    assert client.get(reverse(name)).status_code == 403


def test_patient_csv(client, manager, clinic_data):
    client.force_login(manager)
    response = client.get(reverse("reports:export_patients"), query())
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["patient"] for r in rows] == ["Anna Able", "Ben Brook", "Dee Dunn"]
    assert rows[0]["prescribed_days"] == "25" and rows[0]["sessions_logged"] == "4"
    assert rows[0]["flag_worsening_pain"] == "1" and rows[2]["flag_alerts_open"] == "1"


def test_daily_csv(client, therapist, clinic_data):
    client.force_login(therapist)
    response = client.get(reverse("reports:export_daily"), query())
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == ",".join(daily_rows.DAILY_COLUMNS)
    assert len(lines) == 1 + 25 + 9  # Anna's and Ben's prescribed days; not Dee's
    assert lines[1].startswith("2025-03-01,")


def test_api_uses_the_same_figures(client, manager, clinic_data):
    client.force_login(manager)
    data = client.get(reverse("api:reports-adherence"), query()).json()
    assert data["summary"]["sessions_logged_total"] == 18
    assert data["summary"]["prescribed_days_total"] == 48
    assert [p["name"] for p in data["patients"]] == ["Anna Able", "Ben Brook", "Dee Dunn"]
    assert data["patients"][0]["flags"] == ["no_session_3_days", "worsening_pain"]
    assert len(data["weeks"]) == 4 and len(data["therapists"]) == 2


def test_api_rejects_a_bad_range(client, manager, clinic_data):
    client.force_login(manager)
    response = client.get(reverse("api:reports-adherence"), query(end="2999-01-01"))
    assert response.status_code == 400 and "end" in response.json()


def test_page_query_count_does_not_grow_with_patients(
    client, manager, therapist, handout_program, clinic_data, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("reports:index")
    client.get(url, query())  # warm up (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url, query()).status_code == 200
    for n in range(8):
        extra = PatientFactory(therapist=therapist)
        plan = approved_plan(extra, handout_program, d(1) - timedelta(days=n))
        if n % 2:
            advance(plan, d(1))
        for day in range(1, 1 + n):
            log_on(plan, d(day))
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url, query()).status_code == 200


def test_every_export_is_in_the_clinics_audit_trail(client, manager, therapist, clinic_data):
    from audit.models import AuditEvent

    client.force_login(therapist)
    b"".join(client.get(reverse("reports:export_daily"), query()).streaming_content)
    client.force_login(manager)
    b"".join(client.get(reverse("reports:export_patients"), query()).streaming_content)
    events = AuditEvent.objects.filter(action="report.exported").order_by("created_at")
    assert [(e.actor, e.data["export"], e.clinic) for e in events] == [
        (therapist, "daily.csv", therapist.clinic),
        (manager, "patients.csv", manager.clinic),
    ]
    trail = client.get(reverse("audit:list")).content.decode()
    assert "Exported adherence per patient (CSV)" in trail and "Exported adherence day by day (CSV)" in trail


def test_the_csv_exports_name_therapists_by_their_names(client, manager, therapist, clinic_data):
    client.force_login(manager)

    def rows(name):
        response = client.get(reverse(name), query())
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    name = therapist.get_full_name()
    assert name and therapist.username not in name
    patients = {r["patient"]: r["therapist"] for r in rows("reports:export_patients")}
    assert patients == {"Anna Able": name, "Ben Brook": name, "Dee Dunn": "Olga Other"}
    assert {r["therapist"] for r in rows("reports:export_daily")} == {name, "Olga Other"}
    # Someone without a name is written as their username.
    therapist.first_name = therapist.last_name = ""
    therapist.save()
    assert {r["therapist"] for r in rows("reports:export_patients")} == {therapist.username, "Olga Other"}
    assert {r["therapist"] for r in rows("reports:export_daily")} == {therapist.username, "Olga Other"}
