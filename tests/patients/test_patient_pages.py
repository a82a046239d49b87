"""The patient's pages: what they see today, logging a session through the form, progress,
and that nobody else's data is ever shown."""

import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from patients.models import SessionLog
from patients.selectors import plan_exercises_up_to_week, session_streak
from patients.services import ExerciseEntry, plan_approve, plan_create_from_template, plan_pause, session_log
from tests.factories import PASSWORD, PatientFactory

from .helpers import entries_for, form_data

pytestmark = pytest.mark.django_db

TODAY_URL = reverse("patients:today")
LOG_URL = reverse("patients:log")
PROGRESS_URL = reverse("patients:progress")


def logged_in(client, patient):
    client.login(username=patient.user.username, password=PASSWORD)
    return client


def text(response) -> str:
    """The page's visible words, tags removed, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- Today ------------------------------------------------------------------------------------


def test_today_shows_the_weeks_exercises_in_order_with_targets_and_the_safety_reminder(client, active_plan):
    active_plan.note_to_patient = "Go gently on the left side."
    active_plan.save(update_fields=["note_to_patient"])
    page = text(logged_in(client, active_plan.patient).get(TODAY_URL))

    assert "Take it slow, and stop if it hurts." in page
    assert "Week 1: Getting started" in page
    assert "Go gently on the left side." in page
    names = ["Single knee-to-chest stretch", "Double knee-to-chest stretch", "Pelvic tilt"]
    assert [page.index(name) for name in names] == sorted(page.index(name) for name in names)
    assert "Partial curl" not in page  # week 2 is not here yet
    # Per-leg exercises say so; the others do not.
    # (Under each name, the drawings' captions: "1. Start 2. Hold".)
    assert re.search(
        r"Single knee-to-chest stretch 1\. Start 2\. Hold Hold 5 seconds · 5 times each leg", page
    )
    assert re.search(r"Pelvic tilt 1\. Start 2\. Hold Hold 5 seconds · 5 times Lie on your back", page)
    assert "Log today's session" in page


def test_today_uses_no_inline_script_and_offers_the_hold_timer_from_a_static_file(client, active_plan):
    html = logged_in(client, active_plan.patient).get(TODAY_URL).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert "patients/hold_timer.js" in html
    assert 'data-seconds="5"' in html
    assert "style=" not in html and not re.search(r"\son[a-z]+=", html)


def test_today_says_plainly_when_there_is_no_approved_plan(client, patient, handout_program):
    plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=patient.therapist,
    )
    page = text(logged_in(client, patient).get(TODAY_URL))
    assert "Your plan is not approved yet" in page
    assert "Pelvic tilt" not in page  # a draft is never shown


def test_today_says_plainly_when_the_plan_is_paused(client, active_plan):
    plan_pause(plan=active_plan, by=active_plan.patient.therapist)
    page = text(logged_in(client, active_plan.patient).get(TODAY_URL))
    assert "Your plan is paused" in page
    assert "Log today's session" not in page


def test_today_says_when_a_future_plan_starts(client, patient, handout_program):
    start = patient.local_date() + timedelta(days=2)
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=start,
        by=patient.therapist,
    )
    plan_approve(plan=plan, by=patient.therapist)
    client = logged_in(client, patient)
    page = text(client.get(TODAY_URL))
    assert f"Your plan starts on {start:%A} {start.day} {start:%B}" in page
    assert "Log today's session" not in page
    assert "Your plan starts on" in text(client.get(LOG_URL))


# --- Logging a session through the form --------------------------------------------------------


def test_logging_a_session_from_the_form_stores_it_and_shows_it_in_the_history(client, active_plan):
    client = logged_in(client, active_plan.patient)
    today = active_plan.patient.local_date()
    form_page = client.get(LOG_URL)
    assert form_page.status_code == 200
    # Targets are pre-filled, so a changed session is a few taps; nothing starts "done".
    first = plan_exercises_up_to_week(plan=active_plan, week=1).first()
    assert form_page.context["form"][f"ex{first.pk}-reps"].value() == first.target_reps
    assert not form_page.context["form"][f"ex{first.pk}-done"].value()
    assert f'name="ex{first.pk}-done" id="id_ex{first.pk}-done">' in form_page.content.decode()

    data = form_data(active_plan, today, pain_before="6", pain_after="4")
    response = client.post(LOG_URL, data, follow=True)

    session = SessionLog.objects.get(patient=active_plan.patient)
    assert (session.date, session.pain_before, session.pain_after, session.symptom_change) == (
        today,
        6,
        4,
        "better",
    )
    assert session.exercises.filter(done=True).count() == 3
    page = text(response)
    assert "Saved: your session for Today. Well done!" in page
    assert "Pain 6 → 4 · Better · 3 of 3 exercises" in page


def test_one_tap_records_every_exercise_at_its_targets(client, active_plan):
    """ "I did everything as prescribed": only pain and better / same / worse to answer."""
    client = logged_in(client, active_plan.patient)
    today = active_plan.patient.local_date()
    page = text(client.get(LOG_URL))
    assert "I did everything as prescribed all 3 exercises at your targets: save" in page
    assert "Something was different" in page

    response = client.post(
        LOG_URL,
        {
            "day": today.isoformat(),
            "completion": "as_prescribed",
            "pain_before": "4",
            "pain_after": "2",
            "symptom_change": "same",
        },
        follow=True,
    )

    session = SessionLog.objects.get(patient=active_plan.patient)
    done = {(row.plan_exercise_id, row.reps, row.hold_seconds) for row in session.exercises.filter(done=True)}
    items = plan_exercises_up_to_week(plan=active_plan, week=1)
    assert done == {(item.pk, item.target_reps, item.target_hold_seconds) for item in items}
    assert (session.date, session.pain_before, session.pain_after, session.exercises_done) == (today, 4, 2, 3)
    assert "Pain 4 → 2 · Same · 3 of 3 exercises" in text(response)


def test_one_tap_ignores_the_rows_left_on_the_page(client, active_plan):
    """The rows are posted with the page; "everything as prescribed" means the targets."""
    first = plan_exercises_up_to_week(plan=active_plan, week=1).first()
    data = form_data(
        active_plan,
        active_plan.patient.local_date(),
        completion="as_prescribed",
        **{f"ex{first.pk}-reps": "1"},
    )
    logged_in(client, active_plan.patient).post(LOG_URL, data)
    row = SessionLog.objects.get().exercises.get(plan_exercise=first)
    assert (row.done, row.reps) == (True, first.target_reps)


def test_an_untouched_exercise_form_records_nothing_done_and_says_so(client, active_plan):
    """A therapist sees the pain and symptoms that were reported, and no exercise counted done."""
    data = form_data(active_plan, active_plan.patient.local_date(), pain_before="6", pain_after="7")
    for key in [key for key in data if key.endswith("-done")]:
        del data[key]  # the boxes start unticked, and the patient ticked none
    response = logged_in(client, active_plan.patient).post(LOG_URL, data, follow=True)

    session = SessionLog.objects.get(patient=active_plan.patient)
    assert session.exercises_done == 0
    assert not session.exercises.filter(done=True).exists()
    assert session.exercises.count() == 3  # each one said "not done"
    assert "No exercise was marked as done. If you did some, open this day again and tick them." in text(
        response
    )
    assert "0 of 3 exercises" in text(response)


def test_a_save_without_a_choice_is_refused_with_a_clear_message(client, active_plan):
    data = form_data(active_plan, active_plan.patient.local_date(), note="kept")
    del data["completion"]
    response = logged_in(client, active_plan.patient).post(LOG_URL, data)
    assert_refused(
        response,
        "Press “I did everything as prescribed”, or tick what you did and press “Save what I did”.",
        "kept</textarea>",
    )


def test_reopening_a_day_logged_as_prescribed_keeps_the_exercise_rows_folded(client, active_plan):
    client = logged_in(client, active_plan.patient)
    today = active_plan.patient.local_date()
    session_log(
        patient=active_plan.patient,
        day=today,
        pain_before=3,
        pain_after=2,
        symptom_change="same",
        as_prescribed=True,
    )
    html = client.get(LOG_URL).content.decode()
    assert '<details class="each-exercise">' in html
    assert 'id="id_ex' in html and "checked" in html  # the rows say done, if opened
    first = plan_exercises_up_to_week(plan=active_plan, week=1).first()
    session_log(
        patient=active_plan.patient,
        day=today,
        pain_before=3,
        pain_after=2,
        symptom_change="same",
        exercises=[ExerciseEntry.at_targets(first, hurt=True)],
    )
    html = client.get(LOG_URL).content.decode()
    assert '<details class="each-exercise" open>' in html  # not as prescribed: shown open


def test_a_double_submission_makes_one_session(client, active_plan):
    client = logged_in(client, active_plan.patient)
    data = form_data(active_plan, active_plan.patient.local_date())
    first = client.post(LOG_URL, data, follow=True)
    second = client.post(LOG_URL, data, follow=True)
    assert SessionLog.objects.filter(patient=active_plan.patient).count() == 1
    assert "Saved:" in text(first) and "Updated: your session for Today." in text(second)


def test_reopening_a_logged_day_shows_its_values_and_saving_edits_it(client, active_plan):
    client = logged_in(client, active_plan.patient)
    yesterday = active_plan.patient.local_date() - timedelta(days=1)
    first = plan_exercises_up_to_week(plan=active_plan, week=1).first()
    client.post(
        LOG_URL,
        form_data(
            active_plan,
            yesterday,
            pain_before="7",
            pain_after="6",
            symptom_change="worse",
            note="Tight hamstrings",
            **{f"ex{first.pk}-reps": "8", f"ex{first.pk}-hurt": "on"},
        ),
    )

    reopened = client.get(LOG_URL, {"day": yesterday.isoformat()})
    html = reopened.content.decode()
    assert 'id="id_pain_before_7" value="7" checked' in html
    assert 'id="id_symptom_change_2" value="worse" checked' in html
    assert "Tight hamstrings</textarea>" in html
    assert f'name="ex{first.pk}-reps" id="id_ex{first.pk}-reps" value="8"' in html
    assert "You already logged this day. Saving will change it." in text(reopened)

    client.post(LOG_URL, form_data(active_plan, yesterday, pain_after="3", symptom_change="same"))
    session = SessionLog.objects.get(patient=active_plan.patient)
    assert (session.date, session.pain_after, session.symptom_change) == (yesterday, 3, "same")


def test_the_day_choice_offers_today_and_up_to_three_days_back(client, active_plan):
    today = active_plan.patient.local_date()
    response = logged_in(client, active_plan.patient).get(LOG_URL)
    offered = [choice["day"] for choice in response.context["day_choices"]]
    assert offered == [today - timedelta(days=n) for n in range(4)]
    labels = [choice["label"] for choice in response.context["day_choices"]]
    assert labels[:2] == ["Today", "Yesterday"]


def test_the_day_choice_stops_at_the_plan_start(client, patient, handout_program):
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date() - timedelta(days=1),
        by=patient.therapist,
    )
    plan_approve(plan=plan, by=patient.therapist)
    response = logged_in(client, patient).get(LOG_URL)
    assert len(response.context["day_choices"]) == 2


def assert_refused(response, message, *kept):
    assert response.status_code == 200
    page = text(response)
    assert "Nothing was saved yet." in page
    assert message in page
    html = response.content.decode()
    for value in kept:
        assert value in html
    assert not SessionLog.objects.exists()


def test_pain_eleven_is_refused_and_what_was_typed_is_kept(client, active_plan):
    data = form_data(active_plan, active_plan.patient.local_date(), pain_before="11", note="My own words")
    response = logged_in(client, active_plan.patient).post(LOG_URL, data)
    assert_refused(response, "Choose a number from 0 (no pain) to 10.", "My own words</textarea>")


def test_negative_repetitions_are_refused_and_kept_on_the_form(client, active_plan):
    first = plan_exercises_up_to_week(plan=active_plan, week=1).first()
    data = form_data(active_plan, active_plan.patient.local_date(), **{f"ex{first.pk}-reps": "-3"})
    response = logged_in(client, active_plan.patient).post(LOG_URL, data)
    assert_refused(
        response,
        "Single knee-to-chest stretch: repetitions cannot be below 0.",
        f'name="ex{first.pk}-reps" id="id_ex{first.pk}-reps" value="-3"',
    )


def test_missing_pain_and_symptoms_are_asked_for(client, active_plan):
    data = form_data(active_plan, active_plan.patient.local_date(), note="half done")
    del data["pain_after"], data["symptom_change"]
    response = logged_in(client, active_plan.patient).post(LOG_URL, data)
    assert_refused(response, "Choose how much pain you have now, from 0 to 10.", 'value="5" checked')
    assert "Choose better, same or worse." in text(response)


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (1, "You cannot log a day that has not happened yet."),
        (-4, "Your plan starts on"),
    ],
)
def test_a_day_outside_the_window_is_refused(client, active_plan, offset, message):
    day = active_plan.patient.local_date() + timedelta(days=offset)
    response = logged_in(client, active_plan.patient).post(LOG_URL, form_data(active_plan, day, note="typed"))
    assert_refused(response, message, "typed</textarea>")


def test_a_day_out_of_the_window_in_the_address_is_explained(client, active_plan):
    day = active_plan.patient.local_date() - timedelta(days=10)
    response = logged_in(client, active_plan.patient).get(LOG_URL, {"day": day.isoformat()})
    assert "You can log today and up to 3 days back" in text(response)
    assert response.context["day"] == active_plan.patient.local_date()


def test_an_exercise_not_in_the_plan_is_refused(client, active_plan):
    later = active_plan.weeks.get(number=3).exercises.first()
    data = form_data(active_plan, active_plan.patient.local_date())
    data["exercise"] = [*data["exercise"], str(later.pk)]
    response = logged_in(client, active_plan.patient).post(LOG_URL, data)
    assert_refused(response, "One of the exercises is not in your plan for this week.")


@pytest.fixture
def other_patients_plan(active_plan, handout_program):
    other = PatientFactory()  # another clinic, another therapist
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=other,
        template=handout_program,
        start_date=other.local_date() - timedelta(days=3),
        by=other.therapist,
    )
    return plan_approve(plan=plan, by=other.therapist)


def test_another_patients_exercise_ids_are_refused(client, active_plan, other_patients_plan):
    theirs = [str(item.pk) for item in plan_exercises_up_to_week(plan=other_patients_plan, week=1)]
    data = form_data(active_plan, active_plan.patient.local_date())
    data["exercise"] = theirs
    response = logged_in(client, active_plan.patient).post(LOG_URL, data)
    assert_refused(response, "One of the exercises is not in your plan for this week.")


# --- Time zones -------------------------------------------------------------------------------


def test_the_form_logs_the_patients_local_day_late_in_the_evening_in_los_angeles(client, handout_program):
    patient = PatientFactory(timezone="America/Los_Angeles")
    plan = plan_approve(
        plan=plan_create_from_template(
            confirm_start_date=True,
            patient=patient,
            template=handout_program,
            start_date=date(2024, 6, 5),
            by=patient.therapist,
        ),
        by=patient.therapist,
    )
    client = logged_in(client, patient)
    # 23:30 on 10 June in Los Angeles; already 11 June in UTC.
    with mock.patch("django.utils.timezone.now", return_value=datetime(2024, 6, 11, 6, 30, tzinfo=UTC)):
        form_page = client.get(LOG_URL)
        assert form_page.context["day"] == date(2024, 6, 10)
        client.post(LOG_URL, form_data(plan, date(2024, 6, 10)))
        refused = client.post(LOG_URL, form_data(plan, date(2024, 6, 11)))
    assert "You cannot log a day that has not happened yet." in text(refused)
    assert list(SessionLog.objects.values_list("date", flat=True)) == [date(2024, 6, 10)]


# --- Progress ---------------------------------------------------------------------------------


def test_progress_shows_history_pain_chart_with_numbers_adherence_and_streak(client, active_plan):
    today = active_plan.patient.local_date()
    for back, (before, after, change) in enumerate([(4, 2, "better"), (5, 4, "same"), (6, 6, "worse")]):
        session_log(
            patient=active_plan.patient,
            day=today - timedelta(days=back),
            pain_before=before,
            pain_after=after,
            symptom_change=change,
            exercises=entries_for(active_plan),
        )
    response = logged_in(client, active_plan.patient).get(PROGRESS_URL)
    page = text(response)
    html = response.content.decode()

    assert "3 days in a row" in page
    assert "Great work. Keep it up!" in page
    # The chart: an SVG drawn on the server, before and after told apart by shape, not colour.
    assert '<svg viewBox="0 0 340 240" role="img"' in html
    assert html.count('class="marker-before"') == 3 + 1  # three points and the key
    assert html.count('class="marker-after"') == 3 + 1
    # The same numbers as a table.
    rows = re.findall(r"<tr><th scope=\"row\">[^<]+</th><td>(\d+)</td><td>(\d+)</td></tr>", html)
    assert rows == [("6", "6"), ("5", "4"), ("4", "2")]
    assert "Pain 4 → 2 · Better · 3 of 3 exercises" in page
    assert "Pain 6 → 6 · Worse" in page
    adherence = response.context["adherence"]
    logged_this_week = sum(1 for n in range(3) if today - timedelta(days=n) >= adherence.start)
    assert f"Days with a session {logged_this_week} of {adherence.days_prescribed}" in page


def test_progress_encourages_a_patient_who_has_not_logged_yet(client, active_plan):
    page = text(logged_in(client, active_plan.patient).get(PROGRESS_URL))
    assert "You have not logged a session yet." in page
    assert "Your pain chart appears here after your first session." in page


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ({0, 1, 2}, 3),
        ({1, 2}, 2),  # today not logged yet: the streak still stands
        ({0, 2, 3}, 1),
        ({2, 3}, 0),
        (set(), 0),
    ],
)
def test_streak_counts_days_in_a_row(days, expected):
    today = date(2024, 6, 10)
    assert session_streak(days_logged={today - timedelta(days=n) for n in days}, today=today) == expected


# --- Privacy ----------------------------------------------------------------------------------


def test_a_patient_sees_their_own_session(client, active_plan):
    session, _ = session_log(
        patient=active_plan.patient,
        day=active_plan.patient.local_date(),
        pain_before=5,
        pain_after=3,
        symptom_change="better",
        note="own note",
        exercises=entries_for(active_plan),
    )
    response = logged_in(client, active_plan.patient).get(reverse("patients:session", args=[session.pk]))
    assert response.status_code == 200
    assert "own note" in text(response)


def test_another_patients_session_answers_404_and_never_appears(client, active_plan, other_patients_plan):
    theirs, _ = session_log(
        patient=other_patients_plan.patient,
        day=other_patients_plan.patient.local_date(),
        pain_before=8,
        pain_after=7,
        symptom_change="worse",
        note="private words",
        exercises=entries_for(other_patients_plan),
    )
    client = logged_in(client, active_plan.patient)
    assert client.get(reverse("patients:session", args=[theirs.pk])).status_code == 404
    for url in (TODAY_URL, LOG_URL, PROGRESS_URL):
        assert "private words" not in client.get(url).content.decode()


def test_staff_cannot_use_the_patient_pages(client, active_plan):
    client.login(username=active_plan.patient.therapist.username, password=PASSWORD)
    for url in (TODAY_URL, LOG_URL, PROGRESS_URL):
        assert client.get(url).status_code == 403


def test_the_patient_pages_need_a_login(client):
    response = client.get(LOG_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_progress_page_does_not_make_more_queries_as_sessions_add_up(client, active_plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(client, active_plan.patient)
    today = active_plan.patient.local_date()

    def log_day(back):
        session_log(
            patient=active_plan.patient,
            day=today - timedelta(days=back),
            pain_before=5,
            pain_after=4,
            symptom_change="same",
            exercises=entries_for(active_plan),
        )

    log_day(0)
    client.get(PROGRESS_URL)  # the first request of a login also refreshes its session
    with CaptureQueriesContext(connection) as one:
        client.get(PROGRESS_URL)
    for back in (1, 2, 3):
        log_day(back)
    with CaptureQueriesContext(connection) as four:
        client.get(PROGRESS_URL)
    assert len(four) == len(one)


def test_today_tells_the_patient_to_stop_an_exercise_that_hurt(client, active_plan):
    """An "it hurt, I stopped" report raises an alert; until the therapist has seen it, the
    patient's today page says plainly what to do."""
    client = logged_in(client, active_plan.patient)
    items = list(plan_exercises_up_to_week(plan=active_plan, week=1))
    session_log(
        patient=active_plan.patient,
        day=active_plan.patient.local_date(),
        pain_before=4,
        pain_after=4,
        symptom_change="same",
        exercises=[ExerciseEntry.at_targets(item, hurt=item == items[0]) for item in items],
    )
    page = client.get(TODAY_URL).content.decode()
    assert "Please read this first" in page
    assert items[0].exercise.name in page.split("Please read this first")[1].split("</section>")[0]


# The session, the login (with clinic and patient record), the plan, open alerts, the week's
# exercises (with their week), their drawings, what hurt in the last session, whether today is
# logged; the names of exercises that hurt (for the safety message) only
# when a patient said one did (and the therapist's name only when the plan has a note); the
# questionnaires due (the plan, its schedule, the answers given, the questionnaires' names);
# the unread messages for the menu's badge (messaging). Progression is re-evaluated at most
# once a local day (not counted here). Nothing is cached:
# every view reads what it shows.
TODAY_QUERIES = 13


def test_today_page_takes_a_fixed_number_of_queries(client, active_plan, django_assert_num_queries):
    patient = active_plan.patient
    client = logged_in(client, patient)
    client.get(TODAY_URL)  # the first request of the day re-evaluates progression, and renews the login
    client.get(TODAY_URL)  # rendered once more after the day's re-evaluation changed the plan
    with django_assert_num_queries(TODAY_QUERIES):
        assert "Log today's session" in client.get(TODAY_URL).content.decode()
    # More history, an open pain alert and today logged: the same count, and the page shows them.
    today = patient.local_date()
    for back, pain in ((3, 2), (2, 2), (1, 3), (0, 7)):
        session_log(
            patient=patient,
            day=today - timedelta(days=back),
            pain_before=pain,
            pain_after=pain,
            symptom_change="same",
            exercises=entries_for(active_plan),
        )
    with django_assert_num_queries(TODAY_QUERIES):
        page = client.get(TODAY_URL).content.decode()
    assert "Please read this first" in page and "Your pain has gone up" in page
    assert "Change today's session" in page
    # An exercise that hurt: one more query, for its name.
    session_log(
        patient=patient,
        day=today,
        pain_before=3,
        pain_after=3,
        symptom_change="same",
        exercises=entries_for(active_plan, hurt=True),
    )
    with django_assert_num_queries(TODAY_QUERIES + 1):
        page = client.get(TODAY_URL).content.decode()
    assert "because it hurt" in page
