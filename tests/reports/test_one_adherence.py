"""One adherence: the patient's page, the caseload, the patient detail page, the clinic report
page, its CSV exports and the API agree for the same patient and days.

March 2025, handout program (3 exercises a day in week 1, 6 in week 2, 9 in week 3; weeks 2
and 3 need the therapist's confirmation). Every history goes through the services on the day
it happens, so the progression engine decides which week each day was in:

- Hana starts on 15 March and does every exercise she is shown every day; nobody confirms
  week 2, so she is held in week 1 (ready, waiting for the therapist) for all 14 days.
- Omar starts on 1 March; his therapist moves him on to week 2 on 8 March and to week 3 on
  18 March; he skips 10 and 20 March and does 5 of his 9 exercises on 25 March.
- Paula starts on 1 March, held in week 1; her plan is paused on 10 March and resumed on
  13 March (10–12 March are not prescribed); she logs every other day.
- Vera starts on 1 March, is moved on to week 2 on 5 March; a revised version of her plan
  is approved on 10 March (it carries her week on); she logs every day.
"""

import csv
import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from patients.adherence import adherence_for
from patients.models import Plan, ProgressionPeriod, SessionLog
from patients.services import (
    plan_approve,
    plan_complete,
    plan_create_from_template,
    plan_edit,
    plan_revise,
)
from portal.selectors import caseload_for
from reports import selectors
from tests.factories import PatientFactory
from tests.patients.helpers import log_on, on_day
from tests.reports.test_adherence import advance, approved_plan, d, pause, resume

TODAY = d(28)

# name → (prescribed days, sessions logged, exercises prescribed, exercises done), 1–28 March
EXPECTED_MARCH = {
    "Hana": (14, 14, 14 * 3, 14 * 3),
    "Omar": (28, 26, 7 * 3 + 10 * 6 + 11 * 9, 7 * 3 + 9 * 6 + 9 * 9 + 5),
    "Paula": (25, 25, 25 * 3, 25 * 3),
    "Vera": (28, 28, 4 * 3 + 24 * 6, 4 * 3 + 24 * 6),
}


@pytest.fixture
def march(therapist, manager, handout_program):
    people = {
        name: PatientFactory(therapist=therapist, user__first_name=name, user__last_name="March")
        for name in EXPECTED_MARCH
    }
    plans = {
        "Hana": approved_plan(people["Hana"], handout_program, d(15)),
        **{name: approved_plan(people[name], handout_program, d(1)) for name in ("Omar", "Paula", "Vera")},
    }
    for day in range(1, 29):
        if day == 5:
            advance(plans["Vera"], d(5))
        if day in (8, 18):
            advance(plans["Omar"], d(day))
        if day == 9:
            with on_day(d(9)):
                # as the portal does, from the plan as stored now (its week snapshot included)
                draft = plan_revise(plan=Plan.objects.get(pk=plans["Vera"].pk), by=therapist)
        if day == 10:
            pause(plans["Paula"], d(10))
            with on_day(d(10)):
                plan_approve(plan=draft, by=therapist)
        if day == 13:
            resume(plans["Paula"], d(13))
        if day >= 15:
            log_on(plans["Hana"], d(day))
        if day not in (10, 20):
            log_on(plans["Omar"], d(day), done=5 if day == 25 else None)
        if not 10 <= day <= 12:
            log_on(plans["Paula"], d(day))
        log_on(plans["Vera"], d(day))
    return people


def figures(row) -> tuple[int, int, int, int]:
    return (row.prescribed_days, row.sessions_logged, row.exercises_prescribed, row.exercises_done)


def every_report_surface(client, manager, patient, start: date, end: date) -> dict[str, tuple]:
    """The patient's (prescribed days, sessions, exercises prescribed, done) from start to end
    on the report page, the patient CSV, the daily CSV, the API and the module itself."""
    name = patient.user.get_full_name()
    query = {"start": start.isoformat(), "end": end.isoformat()}
    out = {}
    with on_day(TODAY):
        client.force_login(manager)
        page = client.get(reverse("reports:index"), query)
        assert page.status_code == 200
        [row] = [p for p in page.context["page"] if p.pk == patient.pk]
        out["report page"] = figures(row)
        html = page.content.decode()
        assert f"({row.sessions_logged} of {row.prescribed_days})" in html
        assert f"({row.exercises_done} of {row.exercises_prescribed})" in html

        patients_csv = client.get(reverse("reports:export_patients"), query)
        text = b"".join(patients_csv.streaming_content).decode()
        [line] = [r for r in csv.DictReader(io.StringIO(text)) if r["patient"] == name]
        keys = ("prescribed_days", "sessions_logged", "exercises_prescribed", "exercises_done")
        out["patients CSV"] = tuple(int(line[k]) for k in keys)

        daily_csv = client.get(reverse("reports:export_daily"), query)
        text = b"".join(daily_csv.streaming_content).decode()
        days = [r for r in csv.DictReader(io.StringIO(text)) if r["patient"] == name]
        out["daily CSV"] = (
            len(days),
            sum(int(r["session_logged"]) for r in days),
            sum(int(r["exercises_prescribed"]) for r in days),
            sum(int(r["exercises_done"]) for r in days),
        )

        api = client.get(reverse("api:reports-adherence"), query).json()
        [item] = [p for p in api["patients"] if p["id"] == patient.pk]
        out["API"] = tuple(item[k] for k in ("prescribed_days", "sessions_logged", *keys[2:]))

        one = adherence_for(patient=patient, start=start, end=end)
    out["module"] = (one.days_prescribed, one.sessions_logged, one.exercises_prescribed, one.exercises_done)
    return out


def agreed(surfaces: dict[str, tuple]) -> tuple:
    values = set(surfaces.values())
    assert len(values) == 1, surfaces
    return values.pop()


@pytest.mark.parametrize("name", list(EXPECTED_MARCH))
def test_every_report_surface_agrees_for_march(client, manager, march, name):
    assert agreed(every_report_surface(client, manager, march[name], d(1), d(28))) == EXPECTED_MARCH[name]


def test_a_patient_held_in_week_1_who_does_everything_is_at_100_percent_everywhere(
    client, therapist, manager, march
):
    hana = march["Hana"]
    assert agreed(every_report_surface(client, manager, hana, d(15), d(28))) == (14, 14, 42, 42)
    [row] = [
        p
        for p in selectors.adherence_by_patient(user=manager, clinic=manager.clinic, start=d(15), end=TODAY)
        if p.pk == hana.pk
    ]
    assert row.session_pct == 100 and row.exercise_pct == 100 and row.adherent

    with on_day(TODAY):
        client.force_login(hana.user)
        week = client.get(reverse("patients:progress")).content.decode()
        client.force_login(therapist)
        caseload = client.get(reverse("portal:caseload")).content.decode()
        detail = client.get(reverse("portal:patient_detail", args=[hana.pk])).content.decode()
    assert "14 of 14" in week and "42 of 42" in week and "(100%)" in week
    assert re.search(r"Hana March.*?100%.*?14 of 14 days", caseload, re.S)
    assert re.search(r"Week 1 .*?15 Mar–28 Mar.*?100%.*?14 of 14 days.*?100%.*?42 of 42", detail, re.S)


def test_the_patients_page_counts_the_plan_week_they_are_in(client, manager, march):
    # (first day of the week the engine has them in now, days, sessions, exercises, done)
    expected = {
        "Hana": (d(15), 14, 14, 42, 42),
        "Omar": (d(18), 11, 10, 99, 86),
        "Paula": (d(1), 25, 25, 75, 75),
        "Vera": (d(5), 24, 24, 144, 144),  # the revised version carried week 2 on
    }
    for name, (first, days, sessions, prescribed, done) in expected.items():
        patient = march[name]
        with on_day(TODAY):
            client.force_login(patient.user)
            response = client.get(reverse("patients:progress"))
        html = response.content.decode()
        section = html[
            html.index('id="week-heading"') : html.index("</section>", html.index('id="week-heading"'))
        ]
        assert f"{sessions} of {days}" in section and f"{done} of {prescribed}" in section, name
        assert first.strftime("%-d %B") in section, name
        assert agreed(every_report_surface(client, manager, patient, first, TODAY)) == (
            days,
            sessions,
            prescribed,
            done,
        )


def test_the_caseload_counts_the_last_14_days_like_the_report(client, therapist, manager, march):
    with on_day(TODAY):
        rows = {p.user.first_name: p for p in caseload_for(user=therapist, today=TODAY)}
    for name, patient in march.items():
        row = rows[name]
        caseload = (row.days_prescribed, row.sessions_logged, row.exercises_prescribed, row.exercises_done)
        assert caseload == agreed(every_report_surface(client, manager, patient, d(15), TODAY)), name
    assert (rows["Omar"].days_prescribed, rows["Omar"].sessions_logged) == (14, 13)
    assert rows["Omar"].adherence == pytest.approx(100 * 13 / 14)


def test_patient_detail_has_a_row_per_plan_week_labelled_like_the_timeline(client, therapist, manager, march):
    # (week, first day, last day, days, sessions, exercises prescribed, done)
    expected = {
        "Omar": [
            (1, d(1), d(7), 7, 7, 21, 21),
            (2, d(8), d(17), 10, 9, 60, 54),
            (3, d(18), d(28), 11, 10, 99, 86),
        ],
        "Paula": [(1, d(1), d(28), 25, 25, 75, 75)],
        "Vera": [(1, d(1), d(4), 4, 4, 12, 12), (2, d(5), d(28), 24, 24, 144, 144)],
    }
    for name, rows in expected.items():
        patient = march[name]
        with on_day(TODAY):
            client.force_login(therapist)
            response = client.get(reverse("portal:patient_detail", args=[patient.pk]))
        weeks = response.context["weeks"]
        got = [
            (
                w.week,
                w.start,
                w.end,
                w.days_prescribed,
                w.sessions_logged,
                w.exercises_prescribed,
                w.exercises_done,
            )
            for w in weeks
        ]
        assert got == rows, name
        html = response.content.decode()
        for week, first, last, days, sessions, prescribed, done in rows:
            # the timeline labels each of those days' sessions with the same week
            logged = SessionLog.objects.filter(patient=patient, date__range=(first, last))
            assert set(logged.values_list("week_number", flat=True)) == {week}, (name, week)
            assert f"Week {week}" in html
            assert agreed(every_report_surface(client, manager, patient, first, last)) == (
                days,
                sessions,
                prescribed,
                done,
            )
    # Omar's session of 8 March, his first day in week 2, says so in the timeline (its 2nd page)
    with on_day(TODAY):
        url = reverse("portal:patient_detail", args=[march["Omar"].pk])
        html = client.get(url, {"page": 2}).content.decode()
    assert re.search(r"Saturday 8 Mar 2025 · Week 2", html)
    assert re.search(r"Friday 7 Mar 2025 · Week 1", html)


def test_the_daily_csv_gives_the_week_the_patient_was_in(client, manager, march):
    with on_day(TODAY):
        client.force_login(manager)
        response = client.get(reverse("reports:export_daily"), {"start": "2025-03-01", "end": "2025-03-28"})
        text = b"".join(response.streaming_content).decode()
    omar = {r["date"]: r for r in csv.DictReader(io.StringIO(text)) if r["patient"] == "Omar March"}
    assert [
        (omar[day]["plan_week"], omar[day]["exercises_prescribed"]) for day in ("2025-03-07", "2025-03-08")
    ] == [
        ("1", "3"),
        ("2", "6"),
    ]
    hana = [r for r in csv.DictReader(io.StringIO(text)) if r["patient"] == "Hana March"]
    assert {(r["plan_week"], r["exercises_prescribed"]) for r in hana} == {("1", "3")}
    assert "2025-03-11" not in {
        r["date"] for r in csv.DictReader(io.StringIO(text)) if r["patient"] == "Paula March"
    }


def test_a_move_recorded_later_with_an_earlier_day_moves_the_figures(client, manager, march):
    # The therapist records today that Hana moved on to week 2 on 22 March: from that day she
    # was prescribed 6 exercises a day but did the 3 she was shown.
    from patients.models import ProgressionOverride
    from patients.progression_services import progression_override

    hana = march["Hana"]
    with on_day(TODAY):
        progression_override(
            plan=hana.plans.get(),
            by=hana.therapist,
            action=ProgressionOverride.Action.ADVANCE,
            reason="Reviewed her logs: moved on from 22 March.",
            effective_on=d(22),
        )
    assert agreed(every_report_surface(client, manager, hana, d(15), TODAY)) == (
        14,
        14,
        7 * 3 + 7 * 6,
        14 * 3,
    )
    assert set(
        SessionLog.objects.filter(patient=hana, date__gte=d(22)).values_list("week_number", flat=True)
    ) == {2}


def stored_periods():
    return sorted(
        ProgressionPeriod.objects.values_list("plan_id", "week", "start", "end", "exercises_per_day")
    )


def test_evaluate_plans_stores_the_periods_of_plans_from_before_they_existed(march):
    before = stored_periods()
    assert Plan.objects.filter(status=Plan.Status.SUPERSEDED).exists()  # Vera's first version
    ProgressionPeriod.objects.all().delete()  # a database from before migration 0004
    with on_day(TODAY):
        call_command("evaluate_plans", stdout=io.StringIO())
    assert stored_periods() == before


def test_periods_are_rewritten_only_when_the_engine_moves_someone(march):
    ids = set(ProgressionPeriod.objects.values_list("pk", flat=True))
    plan = march["Omar"].plans.get()
    with on_day(TODAY):
        log_on(plan, TODAY, done=1)  # the same day again, same week: nothing moves
    assert set(ProgressionPeriod.objects.values_list("pk", flat=True)) == ids


def test_an_automatic_move_counts_from_the_day_the_engine_made_it(
    client, therapist, manager, handout_program
):
    # Week 2 opens by itself after 7 days with 5 sessions; Ida logs every day from 1 March.
    ida = PatientFactory(therapist=therapist, user__first_name="Ida", user__last_name="Auto")
    with on_day(d(1)):
        draft = plan_create_from_template(
            confirm_start_date=True, patient=ida, template=handout_program, start_date=d(1), by=therapist
        )
        plan_edit(plan=draft, by=therapist, rules={2: {"requires_therapist_confirmation": False}})
        plan = plan_approve(plan=draft, by=therapist)
    for day in range(1, 15):
        log_on(plan, d(day))
    assert list(plan.periods.values_list("week", "start", "end")) == [(1, d(1), d(7)), (2, d(8), None)]
    assert agreed(every_report_surface(client, manager, ida, d(1), d(14))) == (14, 14, 7 * 3 + 7 * 6, 63)


def test_a_completed_plan_counts_up_to_the_day_it_was_completed(client, therapist, manager, handout_program):
    jo = PatientFactory(therapist=therapist, user__first_name="Jo", user__last_name="Done")
    plan = approved_plan(jo, handout_program, d(1))
    for day in range(1, 13):
        if day == 8:
            advance(plan, d(8))
        log_on(plan, d(day))
    with on_day(d(12)):
        plan_complete(plan=plan, by=therapist)
    with on_day(TODAY):
        call_command("evaluate_plans", stdout=io.StringIO())  # an ended plan is not re-evaluated
    assert list(plan.periods.values_list("week", "start", "end")) == [(1, d(1), d(7)), (2, d(8), None)]
    assert agreed(every_report_surface(client, manager, jo, d(1), d(28))) == (12, 12, 7 * 3 + 5 * 6, 51)
