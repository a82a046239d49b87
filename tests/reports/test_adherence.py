"""Adherence figures checked against hand counts (range 1–28 March 2025, handout program:
3 exercises a day in week 1, 6 in week 2, 9 from week 3)."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from patients.models import Alert, PlanPause, SessionExercise, SessionLog
from patients.selectors import plan_exercises_up_to_week
from patients.services import plan_approve, plan_create_from_template
from reports import selectors
from tests.factories import PatientFactory, TherapistFactory

START, END = date(2025, 3, 1), date(2025, 3, 28)


def d(day: int) -> date:
    return date(2025, 3, day)


def approved_plan(patient, template, start):
    plan = plan_create_from_template(
        patient=patient, template=template, start_date=start, by=patient.therapist
    )
    return plan_approve(plan=plan, by=patient.therapist)


def log(plan, day, *, pain=4, week=1, done=None):
    """A session with every exercise of weeks 1..week listed, the first `done` of them done
    (and its stored count of exercises done, as `patients.services.session_log` keeps it)."""
    items = list(plan_exercises_up_to_week(plan=plan, week=week))
    done = len(items) if done is None else done
    session = SessionLog.objects.create(
        patient=plan.patient,
        plan=plan,
        date=day,
        week_number=week,
        pain_before=pain,
        pain_after=pain,
        symptom_change="same",
        exercises_done=done,
    )
    SessionExercise.objects.bulk_create(
        SessionExercise(session=session, plan_exercise=item, done=i < done) for i, item in enumerate(items)
    )
    return session


@pytest.fixture
def clinic_data(therapist, manager, handout_program):
    # A: plan from 1 March, paused 10–12 March, sessions on 1, 2, 3, 11 (paused) and 20.
    a = PatientFactory(therapist=therapist, user__first_name="Anna", user__last_name="Able")
    plan_a = approved_plan(a, handout_program, d(1))
    PlanPause.objects.create(plan=plan_a, paused_on=d(10), resumed_on=d(13), paused_by=therapist)
    log(plan_a, d(1), pain=4, done=3)
    log(plan_a, d(2), pain=4, done=2)
    log(plan_a, d(3), pain=5, done=0)
    log(plan_a, d(11), pain=6, week=2, done=3)  # on a paused day: not counted
    log(plan_a, d(20), pain=7, week=3, done=9)
    # B: plan starts mid-range (20 March), no session at all.
    b = PatientFactory(therapist=therapist, user__first_name="Ben", user__last_name="Brook")
    approved_plan(b, handout_program, d(20))
    # C: only a draft plan: not in the report.
    c = PatientFactory(therapist=therapist, user__first_name="Cara", user__last_name="Cole")
    plan_create_from_template(patient=c, template=handout_program, start_date=d(1), by=therapist)
    # D: another therapist's patient, plan from 1 February (week 3 by March), paused from
    # 15 March and not resumed; logged every day 1–14 with everything done; one open alert.
    other = TherapistFactory(clinic=therapist.clinic, first_name="Olga", last_name="Other")
    dee = PatientFactory(therapist=other, user__first_name="Dee", user__last_name="Dunn")
    plan_d = approved_plan(dee, handout_program, date(2025, 2, 1))
    PlanPause.objects.create(plan=plan_d, paused_on=d(15), paused_by=other)
    plan_d.status = "paused"
    plan_d.save(update_fields=["status"])
    for day in range(1, 15):
        log(plan_d, d(day), pain=3, week=3)
    Alert.objects.create(patient=dee, plan=plan_d, kind="hurt", message="It hurt", cause_key="x")
    # E: another clinic, never in this clinic's report.
    stranger = PatientFactory(user__first_name="Eve", user__last_name="Elsewhere")
    log(approved_plan(stranger, handout_program, d(1)), d(5))
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
    assert anna.exercises_prescribed == 7 * 3 + 4 * 6 + 14 * 9  # weeks 1, 2 (less pause), 3+
    assert anna.exercises_done == 3 + 2 + 0 + 9
    assert anna.first_pain == 4 and anna.last_pain == 7 and anna.pain_change == 3
    assert anna.flag_worsening and anna.flag_silent and not anna.flag_alerts
    assert anna.last_session == d(20)
    assert round(anna.session_pct) == 16

    ben = rows["Ben"]
    assert (ben.prescribed_days, ben.sessions_logged) == (9, 0)
    assert ben.exercises_prescribed == 7 * 3 + 2 * 6
    assert ben.session_pct == 0 and ben.pain_change is None and ben.last_session is None
    assert ben.flag_silent and not ben.flag_worsening

    dee = rows["Dee"]
    assert (dee.prescribed_days, dee.sessions_logged) == (14, 14)
    assert (dee.exercises_prescribed, dee.exercises_done) == (14 * 9, 14 * 9)
    assert dee.adherent == 1 and dee.pain_change == 0
    assert dee.open_alerts == 1 and dee.flag_alerts
    assert not dee.flag_silent  # the last three days were paused, so not prescribed


def test_a_session_counts_when_another_plan_covers_a_paused_plans_day(manager, therapist, handout_program):
    # Fay's first plan (from 1 March) is paused from 5 March; a new plan from 3 March replaces
    # it (approving it supersedes the paused one). On 6 March the old plan is paused but the
    # new one covers the day: that session counts; so does 4 March (neither paused).
    fay = PatientFactory(therapist=therapist, user__first_name="Fay", user__last_name="Ford")
    first = approved_plan(fay, handout_program, d(1))
    PlanPause.objects.create(plan=first, paused_on=d(5), paused_by=therapist)
    log(first, d(2), done=1)
    log(first, d(4), done=2)
    log(first, d(6), done=3)
    approved_plan(fay, handout_program, d(3))

    row = rows_for(manager)["Fay"]
    assert (row.sessions_logged, row.exercises_done) == (3, 1 + 2 + 3)
    daily = list(selectors.adherence_daily_rows(user=manager, clinic=manager.clinic, start=d(6), end=d(6)))
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
    assert summary["exercises_prescribed_total"] == 171 + 33 + 126
    assert summary["exercises_done_total"] == 14 + 126
    assert (summary["adherent_patients"], summary["patients_with_days"]) == (1, 3)
    assert summary["open_alerts_total"] == 1
    assert summary["pain_change_avg"] == pytest.approx(1.5)  # (+3 + 0) / 2


def test_weekly_buckets_add_up(manager, clinic_data):
    weeks = selectors.adherence_weekly(user=manager, clinic=manager.clinic, start=START, end=END)
    assert [w["start"] for w in weeks] == [d(1), d(8), d(15), d(22)]
    assert [w["sessions_prescribed"] for w in weeks] == [7 + 7, 4 + 7, 7 + 2, 7 + 7]
    assert [w["sessions_logged"] for w in weeks] == [3 + 7, 7, 1, 0]
    assert sum(w["exercises_prescribed"] for w in weeks) == 330
    assert sum(w["exercises_done"] for w in weeks) == 140


def test_daily_rows_agree_with_the_totals(manager, clinic_data):
    rows = list(selectors.adherence_daily_rows(user=manager, clinic=manager.clinic, start=START, end=END))
    assert len(rows) == 48  # one per prescribed day
    cols = selectors.DAILY_COLUMNS
    as_dicts = [dict(zip(cols, row, strict=True)) for row in rows]
    assert sum(r["session_logged"] for r in as_dicts) == 18
    assert sum(r["exercises_prescribed"] for r in as_dicts) == 330
    assert sum(r["exercises_done"] for r in as_dicts) == 140
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
    assert "140 of 330 prescribed" in html
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
    assert lines[0] == ",".join(selectors.DAILY_COLUMNS)
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
        for day in range(1, 1 + n):
            log(plan, d(day))
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
    assert "patients.csv" in trail and "daily.csv" in trail
