"""What an integrator sees when they use each resource of /api/v1/."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from audit.models import AuditEvent
from patients import services
from patients.models import Alert, Patient, Plan, PlanExercise, PlanWeek, SessionExercise, SessionLog
from patients.selectors import plan_exercises_up_to_week
from tests.factories import PASSWORD, PatientFactory

from .conftest import client_for

# --- Token ---------------------------------------------------------------------------------


def test_token_for_good_credentials_opens_the_api(therapist):
    client = client_for(None)
    response = client.post(
        "/api/v1/auth/token/", {"username": therapist.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/patients/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "nobody", "password": "wrong"}, "non_field_errors"),
        ({"username": "", "password": "x"}, "username"),
        ({"password": "x"}, "username"),
        ({"username": "therapist"}, "password"),
    ],
)
def test_token_refuses_bad_credentials_with_a_clear_message(therapist, body, field):
    response = client_for(None).post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    if field == "non_field_errors":
        assert "do not match" in response.json()[field][0]


def test_token_refuses_a_wrong_password_for_a_real_user(therapist):
    response = client_for(None).post(
        "/api/v1/auth/token/", {"username": therapist.username, "password": "not-it"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_repeated_token_requests_are_throttled(therapist, settings):
    client = client_for(None)
    # A different username each time: the per-account lockout (tests/api/test_auth.py) stays out of it.
    statuses = [
        client.post("/api/v1/auth/token/", {"username": f"x{n}", "password": "y"}, format="json").status_code
        for n in range(12)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]
    assert "Retry-After" in client.post("/api/v1/auth/token/", {}, format="json").headers


def test_no_credentials_answers_401_with_the_scheme_to_use(db):
    response = client_for(None).get("/api/v1/exercises/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_session_login_works_for_the_browser_with_csrf(therapist):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.login(username=therapist.username, password=PASSWORD)
    assert client.get("/api/v1/patients/").status_code == 200
    # Writes through a browser session need the CSRF token.
    refused = client.post("/api/v1/patients/", {"username": "a", "first_name": "A", "last_name": "B"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


# --- Library -------------------------------------------------------------------------------


def test_program_shows_the_handouts_weeks_exercises_and_rules(handout_program, therapist):
    response = client_for(therapist).get("/api/v1/programs/back-strengthening/")
    assert response.status_code == 200
    program = response.json()
    assert [week["number"] for week in program["weeks"]] == [1, 2, 3]
    assert all(len(week["exercises"]) == 3 for week in program["weeks"])
    first = program["weeks"][0]["exercises"][0]
    assert set(first) >= {
        "slug",
        "name",
        "per_side",
        "hold_seconds_min",
        "hold_seconds_max",
        "reps_min",
        "reps_max",
    }
    per_leg = {e["slug"]: e["per_side"] for week in program["weeks"] for e in week["exercises"]}
    assert sum(per_leg.values()) == 4  # knee-to-chest, hamstring stretch, hip rotation, leg extension
    hip_rotation = next(
        e
        for e in program["weeks"][1]["exercises"]
        if "rotation" in e["slug"] or "rotation" in e["name"].lower()
    )
    assert hip_rotation["reps_min"] == hip_rotation["reps_max"] == 5
    rule = program["weeks"][1]["progression_rule"]
    assert rule["min_days_in_previous_week"] == 7
    assert set(rule) == {
        "min_days_in_previous_week",
        "min_sessions_in_previous_week",
        "no_worse_in_last_sessions",
        "pain_rise_limit",
        "pain_ceiling",
        "requires_therapist_confirmation",
        "on_not_met",
    }


def test_unknown_program_is_404(handout_program, therapist):
    assert client_for(therapist).get("/api/v1/programs/no-such-program/").status_code == 404


def test_exercise_list_is_paginated(handout_program, therapist):
    body = client_for(therapist).get("/api/v1/exercises/").json()
    assert body["count"] == 9
    assert {"next", "previous", "results"} <= set(body)
    assert client_for(therapist).get("/api/v1/exercises/?page=99").status_code == 404


# --- Patients ------------------------------------------------------------------------------


def test_therapist_adds_a_patient_to_their_caseload(therapist):
    response = client_for(therapist).post(
        "/api/v1/patients/",
        {
            "username": "jo.bloggs",
            "first_name": "Jo",
            "last_name": "Bloggs",
            "email": "jo@example.org",
            "timezone": "America/New_York",
            "baseline_pain": 5,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["therapist"] == therapist.pk
    assert body["timezone"] == "America/New_York"
    patient = Patient.objects.get(pk=body["id"])
    assert patient.clinic == therapist.clinic
    assert not patient.user.has_usable_password()  # invited, sets a password later
    assert AuditEvent.objects.filter(action="patient.created").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "A", "last_name": "B"}, "username"),
        ({"username": "a b!", "first_name": "A", "last_name": "B"}, "username"),
        ({"username": "ab", "first_name": "A", "last_name": "B", "timezone": "Mars/Olympus"}, "timezone"),
        ({"username": "ab", "first_name": "A", "last_name": "B", "baseline_pain": 11}, "baseline_pain"),
        ({"username": "ab", "first_name": "A", "last_name": "B", "baseline_pain": "x"}, "baseline_pain"),
        ({"username": "ab", "first_name": "A", "last_name": "B", "password": "123"}, "password"),
        ({"username": "ab", "first_name": "", "last_name": "B"}, "first_name"),
    ],
)
def test_bad_patient_input_is_400_and_stores_nothing(therapist, body, field):
    response = client_for(therapist).post("/api/v1/patients/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Patient.objects.exists()


def test_taken_username_is_a_field_error(therapist, patient):
    response = client_for(therapist).post(
        "/api/v1/patients/",
        {"username": patient.user.username.upper(), "first_name": "A", "last_name": "B"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"username": ["That username is taken. Choose another."]}


def test_losing_a_race_for_a_username_is_the_same_400_not_a_500(therapist, lose_the_race):
    """Another request took the username after this one checked it, before it inserted."""

    PatientFactory(therapist=therapist, user__username="jo.bloggs")

    with lose_the_race(get_user_model()):
        response = client_for(therapist).post(
            "/api/v1/patients/",
            {"username": "jo.bloggs", "first_name": "Jo", "last_name": "B"},
            format="json",
        )
    assert response.status_code == 400
    assert response.json() == {"username": ["That username is taken. Choose another."]}
    assert get_user_model().objects.filter(username="jo.bloggs").count() == 1
    assert Patient.objects.count() == 1
    assert not AuditEvent.objects.filter(action="patient.created").exists()


def test_therapist_updates_a_patients_details(therapist, patient):
    response = client_for(therapist).patch(
        f"/api/v1/patients/{patient.pk}/", {"last_name": "Okafor", "baseline_pain": None}, format="json"
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert patient.user.last_name == "Okafor"
    assert patient.baseline_pain is None


# --- Plans ---------------------------------------------------------------------------------


def _create_plan(client, owner, **extra):
    body = {
        "patient": owner.pk,
        "template": "back-strengthening",
        "start_date": owner.local_date().isoformat(),
        **extra,
    }
    return client.post("/api/v1/plans/", body, format="json")


def _first_exercise_slug():
    from exercises.models import ProgramTemplate

    week = ProgramTemplate.objects.get(slug="back-strengthening").weeks.get(number=1)
    return week.exercises.order_by("order").first().exercise.slug


def test_plan_from_the_handout_with_targets(handout_program, therapist, patient):
    slug = _first_exercise_slug()
    response = _create_plan(
        client_for(therapist),
        patient,
        note_to_patient="Take it slow.",
        targets=[{"exercise": slug, "target_hold_seconds": 8, "target_reps": 7}],
    )
    assert response.status_code == 201, response.json()
    plan = response.json()
    assert plan["status"] == "draft"
    assert plan["version"] == 1
    assert len(plan["weeks"]) == 3
    first = plan["weeks"][0]["exercises"][0]
    assert (first["exercise"], first["target_hold_seconds"], first["target_reps"]) == (slug, 8, 7)
    # Exercises left out start at the bottom of their range.
    second = plan["weeks"][0]["exercises"][1]
    assert second["target_reps"] == second["reps_min"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"target_hold_seconds": 30, "target_reps": 5}, "Give a reason"),
        ({"target_hold_seconds": 0, "target_reps": 5}, None),
        ({"target_hold_seconds": 5, "target_reps": 10**30}, None),
        ({"target_hold_seconds": "five", "target_reps": 5}, None),
    ],
)
def test_bad_targets_are_400_and_no_plan_is_stored(handout_program, therapist, patient, target, message):
    target = {"exercise": _first_exercise_slug(), **target}
    response = _create_plan(client_for(therapist), patient, targets=[target])
    assert response.status_code == 400
    assert "targets" in response.json()
    if message:
        assert message in str(response.json()["targets"])
    assert not Plan.objects.exists()


def test_target_outside_the_range_is_kept_with_a_reason(handout_program, therapist, patient):
    response = _create_plan(
        client_for(therapist),
        patient,
        targets=[
            {
                "exercise": _first_exercise_slug(),
                "target_hold_seconds": 3,
                "target_reps": 5,
                "out_of_range_reason": "Very stiff; build up.",
            }
        ],
    )
    assert response.status_code == 201
    assert response.json()["weeks"][0]["exercises"][0]["out_of_range_reason"] == "Very stiff; build up."


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"template": "no-such-program"}, "template"),
        ({"targets": [{"exercise": "moonwalk", "target_hold_seconds": 5, "target_reps": 5}]}, "targets"),
        ({"start_date": "1850-01-01"}, "start_date"),
        ({"start_date": "not a date"}, "start_date"),
        ({"patient": 10**20}, "patient"),
    ],
)
def test_plan_input_errors_name_the_field(handout_program, therapist, patient, extra, field):
    response = _create_plan(client_for(therapist), patient, **extra)
    assert response.status_code == 400
    assert field in response.json()
    assert not Plan.objects.exists()


def test_second_draft_is_refused(handout_program, therapist, patient):
    client = client_for(therapist)
    assert _create_plan(client, patient).status_code == 201
    response = _create_plan(client, patient)
    assert response.status_code == 400
    assert "already has a draft" in response.json()["non_field_errors"][0]


def test_losing_a_race_for_the_draft_is_the_same_400_not_a_500(
    handout_program, therapist, patient, lose_the_race
):
    """Another request made a draft for this patient after this one checked, before it inserted."""

    services.plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=therapist,
    )

    with lose_the_race(Plan):
        response = _create_plan(
            client_for(therapist),
            patient,
            targets=[{"exercise": _first_exercise_slug(), "target_hold_seconds": 8, "target_reps": 7}],
        )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This patient already has a draft plan. Edit or approve it."]
    }
    assert Plan.objects.count() == 1
    assert PlanWeek.objects.count() == 3
    assert not PlanExercise.objects.filter(target_hold_seconds=8, target_reps=7).exists()


def test_plan_life_approve_pause_resume_complete(handout_program, therapist, patient):
    client = client_for(therapist)
    plan_id = _create_plan(client, patient).json()["id"]
    approved = client.post(f"/api/v1/plans/{plan_id}/approve/").json()
    assert approved["status"] == "approved"
    assert approved["approved_by"] == therapist.pk
    assert approved["approved_at"]
    again = client.post(f"/api/v1/plans/{plan_id}/approve/")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["Only a draft plan can be approved."]}
    paused = client.post(f"/api/v1/plans/{plan_id}/pause/", {"reason": "Flare-up"}, format="json")
    assert paused.json()["status"] == "paused"
    assert client.post(f"/api/v1/plans/{plan_id}/resume/").json()["status"] == "approved"
    completed = client.post(f"/api/v1/plans/{plan_id}/complete/").json()
    assert completed["status"] == "completed"
    assert completed["ended_at"]


def test_changing_an_approved_plan_makes_a_new_version(active_plan):
    therapist = active_plan.patient.therapist
    client = client_for(therapist)
    slug = _first_exercise_slug()
    response = client.patch(
        f"/api/v1/plans/{active_plan.pk}/",
        {
            "note_to_patient": "Add the bridge slowly.",
            "targets": [{"exercise": slug, "target_hold_seconds": 9, "target_reps": 9}],
        },
        format="json",
    )
    assert response.status_code == 201
    draft = response.json()
    assert draft["id"] != active_plan.pk
    assert (draft["version"], draft["status"], draft["previous_version"]) == (2, "draft", active_plan.pk)
    assert draft["note_to_patient"] == "Add the bridge slowly."
    # The approved version is untouched and still readable.
    old = client.get(f"/api/v1/plans/{active_plan.pk}/").json()
    assert old["status"] == "approved"
    old_first = next(e for e in old["weeks"][0]["exercises"] if e["exercise"] == slug)
    assert old_first["target_hold_seconds"] == old_first["hold_seconds_min"]
    versions = client.get(f"/api/v1/plans/{active_plan.pk}/versions/").json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "draft"), (1, "approved")]
    # Changing the draft changes it in place.
    in_place = client.patch(
        f"/api/v1/plans/{draft['id']}/",
        {"start_date": "2030-01-06", "confirm_start_date": True},
        format="json",
    )
    assert in_place.status_code == 200
    assert in_place.json()["id"] == draft["id"]
    assert in_place.json()["start_date"] == "2030-01-06"
    # Approving it supersedes the old version.
    client.post(f"/api/v1/plans/{draft['id']}/approve/")
    assert client.get(f"/api/v1/plans/{active_plan.pk}/").json()["status"] == "superseded"


def test_plan_list_filters_by_patient_and_status(active_plan, handout_program):
    therapist = active_plan.patient.therapist
    other = PatientFactory(therapist=therapist)
    client = client_for(therapist)
    _create_plan(client, other)
    assert client.get("/api/v1/plans/").json()["count"] == 2
    assert [
        p["id"] for p in client.get(f"/api/v1/plans/?patient={active_plan.patient.pk}").json()["results"]
    ] == [active_plan.pk]
    assert client.get("/api/v1/plans/?status=draft").json()["count"] == 1
    assert client.get("/api/v1/plans/?status=nonsense").status_code == 400


def test_progression_says_what_the_engine_decides_for_the_logs(patient, handout_program):
    """A full first week of steady sessions: ready for week 2, waiting for the therapist."""
    from patients.services import ExerciseEntry, plan_approve, plan_create_from_template, session_log

    today = patient.local_date()
    start = today - dt.timedelta(days=8)
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=start,
        by=patient.therapist,
    )
    plan = plan_approve(plan=plan, by=patient.therapist)
    week1 = [item.pk for item in plan_exercises_up_to_week(plan=plan, week=1)]
    for offset in range(8):
        day = start + dt.timedelta(days=offset)
        session_log(
            patient=patient,
            day=day,
            today=day,
            pain_before=3,
            pain_after=2,
            symptom_change="same",
            exercises=[ExerciseEntry(plan_exercise_id=pk, done=True, reps=5) for pk in week1],
        )
    body = client_for(patient.therapist).get(f"/api/v1/plans/{plan.pk}/progression/").json()
    assert (body["current_week"], body["state"]) == (1, "ready")
    assert body["reasons"] and body["evaluated_at"]


# --- The patient's day ---------------------------------------------------------------------


def test_today_lists_this_weeks_exercises_with_targets(active_plan):
    patient = active_plan.patient
    body = client_for(patient.user).get("/api/v1/me/today/").json()
    assert body["date"] == patient.local_date().isoformat()
    assert (body["plan"], body["plan_status"], body["week"]) == (active_plan.pk, "approved", 1)
    week_one = PlanExercise.objects.filter(week__plan=active_plan, week__number=1)
    assert sorted(e["id"] for e in body["exercises"]) == sorted(week_one.values_list("pk", flat=True))
    first = body["exercises"][0]
    assert {"target_hold_seconds", "target_reps", "per_side", "instructions", "name"} <= set(first)
    assert body["session"] is None


def test_today_follows_the_patients_time_zone(active_plan):
    patient = active_plan.patient
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 and UTC-11
        patient.timezone = zone
        patient.save()
        body = client_for(patient.user).get("/api/v1/me/today/").json()
        assert body["date"] == patient.local_date().isoformat()


def test_today_without_an_approved_plan_has_no_exercises(patient):
    body = client_for(patient.user).get("/api/v1/me/today/").json()
    assert (body["plan"], body["week"], body["exercises"]) == (None, None, [])


def test_today_while_paused_has_no_exercises(active_plan):
    from patients.services import plan_pause

    plan_pause(plan=active_plan, by=active_plan.patient.therapist)
    body = client_for(active_plan.patient.user).get("/api/v1/me/today/").json()
    assert body["plan_status"] == "paused"
    assert body["exercises"] == []


# --- Sessions ------------------------------------------------------------------------------


def _today_ids(client):
    return [e["id"] for e in client.get("/api/v1/me/today/").json()["exercises"]]


def test_logging_the_same_day_twice_keeps_one_session(active_plan):
    client = client_for(active_plan.patient.user)
    ids = _today_ids(client)
    first = client.post(
        "/api/v1/sessions/",
        {
            "pain_before": 4,
            "pain_after": 3,
            "symptom_change": "same",
            "exercises": [{"plan_exercise": ids[0], "done": True, "reps": 6, "hold_seconds": 5}],
        },
        format="json",
    )
    assert first.status_code == 201, first.json()
    second = client.post(
        "/api/v1/sessions/",
        {
            "pain_before": 4,
            "pain_after": 2,
            "symptom_change": "better",
            "note": "Easier today",
            "exercises": [
                {"plan_exercise": ids[0], "done": True, "reps": 8, "hold_seconds": 6},
                {"plan_exercise": ids[1], "done": False, "hurt": True},
            ],
        },
        format="json",
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert SessionLog.objects.count() == 1
    session = second.json()
    assert (session["pain_after"], session["symptom_change"], session["note"]) == (
        2,
        "better",
        "Easier today",
    )
    assert [(e["plan_exercise"], e["reps"], e["hurt"]) for e in session["exercises"]] == [
        (ids[0], 8, False),
        (ids[1], None, True),
    ]
    assert client.get("/api/v1/me/today/").json()["session"] == session["id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pain_before": 11}, "pain_before"),
        ({"pain_after": -1}, "pain_after"),
        ({"pain_after": "a lot"}, "pain_after"),
        ({"symptom_change": "awful"}, "symptom_change"),
        ({"date": "2999-01-01"}, "date"),
        ({"date": "0001-01-01"}, "date"),
        ({"exercises": [{"plan_exercise": 999999999, "done": True}]}, "exercises"),
        ({"exercises": [{"plan_exercise": 10**30, "done": True}]}, "exercises"),
        ({"exercises": [{"plan_exercise": "first", "done": True}]}, "exercises"),
        ({"exercises": {"plan_exercise": 1}}, "exercises"),
        ({"exercises": [{"done": True}]}, "exercises"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_bad_session_input_is_400_and_stores_nothing(active_plan, change, field):
    body = {"pain_before": 4, "pain_after": 3, "symptom_change": "same", **change}
    response = client_for(active_plan.patient.user).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not SessionLog.objects.exists()


def test_exercise_of_a_later_week_is_refused(active_plan):
    week_three = PlanExercise.objects.filter(week__plan=active_plan, week__number=3).first()
    body = {
        "pain_before": 4,
        "pain_after": 3,
        "symptom_change": "same",
        "exercises": [{"plan_exercise": week_three.pk, "done": True}],
    }
    response = client_for(active_plan.patient.user).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["exercises"] == ["One of the exercises is not in your plan for this week."]


def test_malformed_json_is_400(active_plan):
    client = client_for(active_plan.patient.user)
    response = client.post("/api/v1/sessions/", b'{"pain_before": 4,', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    not_an_object = client.post("/api/v1/sessions/", b"[1, 2]", content_type="application/json")
    assert not_an_object.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/plans/99999999999999999999999/",
        "/api/v1/plans/abc/",
        "/api/v1/sessions/-1/",
        "/api/v1/alerts/99999999999999999999999/acknowledge/",
    ],
)
def test_odd_ids_are_404_not_500(active_plan, url):
    client = client_for(active_plan.patient.therapist)
    response = client.post(url) if url.endswith("acknowledge/") else client.get(url)
    assert response.status_code == 404


# The statements of one log, as the tests count them (inside the test's transaction): the token
# with its user and patient record; the plan locked; its weeks and exercises; the history; the
# session's upsert; its exercise rows (on an edit, those left out deleted first); the plan's
# stored week periods read to compare (written only when the engine moved them); and the answer,
# the session read back with its exercise rows (two queries). Overrides and pauses are read
# only when the patient has some, alerts only when there is something to alert; the plan's
# snapshot is written once a day or when the decision changes.
LOG_QUERIES_NEW_DAY = 10
LOG_QUERIES_SAME_DAY_WITH_EXERCISES = 12


def test_the_answer_to_a_log_is_the_session_as_read_back(active_plan):
    client = client_for(active_plan.patient.user)
    ids = _today_ids(client)
    entries = [{"plan_exercise": pk, "done": True, "reps": 5, "hold_seconds": 5} for pk in reversed(ids)]
    entries[0]["hurt"] = True
    body = {"pain_before": 4, "pain_after": 6, "symptom_change": "worse", "exercises": entries}
    for expected in (201, 200, 200):  # a new day, then the same day edited, with one exercise left out
        answer = client.post("/api/v1/sessions/", body, format="json")
        assert answer.status_code == expected
        read_back = client.get(f"/api/v1/sessions/{answer.json()['id']}/").json()
        assert answer.json() == read_back
        body = {**body, "pain_after": 5, "exercises": entries[1:]}
    assert [e["plan_exercise"] for e in read_back["exercises"]] == ids[:-1]  # in the plan's order
    assert all(e["exercise"] for e in read_back["exercises"])


def test_logging_a_session_takes_a_fixed_number_of_queries(active_plan, django_assert_num_queries):
    client = client_for(active_plan.patient.user)
    ids = _today_ids(client)
    today = active_plan.patient.local_date()
    few = {"pain_before": 4, "pain_after": 3, "symptom_change": "same", "exercises": []}
    many = {
        **few,
        "exercises": [{"plan_exercise": pk, "done": True, "reps": 5, "hold_seconds": 5} for pk in ids],
    }
    # Earlier days first, so the count is seen not to grow with the patient's history.
    for days_back in (3, 2, 1):
        day = (today - dt.timedelta(days=days_back)).isoformat()
        assert client.post("/api/v1/sessions/", {**many, "date": day}, format="json").status_code == 201
    # A new day, then the same day again (the update path), with none and with all exercises.
    with django_assert_num_queries(LOG_QUERIES_NEW_DAY):
        assert client.post("/api/v1/sessions/", few, format="json").status_code == 201
    with django_assert_num_queries(LOG_QUERIES_SAME_DAY_WITH_EXERCISES):
        assert client.post("/api/v1/sessions/", many, format="json").status_code == 200
    with django_assert_num_queries(LOG_QUERIES_SAME_DAY_WITH_EXERCISES):
        assert client.post("/api/v1/sessions/", many, format="json").status_code == 200
    assert SessionLog.objects.filter(patient=active_plan.patient).count() == 4
    assert SessionExercise.objects.filter(session__date=today).count() == len(ids)


def test_therapist_filters_their_patients_sessions(active_plan, handout_program):
    from patients.services import session_log

    patient = active_plan.patient
    today = patient.local_date()
    for days_back in (0, 1, 2):
        session_log(
            patient=patient,
            day=today - dt.timedelta(days=days_back),
            pain_before=4,
            pain_after=3,
            symptom_change="same",
        )
    client = client_for(patient.therapist)

    def dates(query):
        response = client.get(f"/api/v1/sessions/{query}")
        assert response.status_code == 200, response.json()
        return [row["date"] for row in response.json()["results"]]

    iso = [(today - dt.timedelta(days=n)).isoformat() for n in (0, 1, 2)]
    assert dates("") == iso
    assert dates(f"?date={iso[1]}") == [iso[1]]
    assert dates(f"?date_after={iso[1]}") == iso[:2]
    assert dates(f"?date_before={iso[1]}") == iso[1:]
    assert dates(f"?patient={patient.pk}&date_after={iso[2]}&date_before={iso[2]}") == [iso[2]]
    assert client.get("/api/v1/sessions/?date=yesterday").status_code == 400
    # Another clinic's patient id is an unknown choice, not an empty list that confirms it exists.
    stranger = PatientFactory()
    assert client.get(f"/api/v1/sessions/?patient={stranger.pk}").status_code == 400


# --- Alerts --------------------------------------------------------------------------------


def test_therapist_acknowledges_an_alert_once(active_plan):
    from patients.services import session_log

    session, _ = session_log(
        patient=active_plan.patient,
        day=active_plan.patient.local_date(),
        pain_before=3,
        pain_after=3,
        symptom_change="same",
    )
    alert = Alert.objects.create(
        patient=active_plan.patient,
        plan=active_plan,
        session=session,
        kind=Alert.Kind.HIGH_PAIN,
        message="Pain 6 after the session",
        cause_key="high:1",
    )
    client = client_for(active_plan.patient.therapist)
    assert client.get("/api/v1/alerts/?open=true").json()["count"] == 1
    response = client.post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/", {"comment": "Phoned; fine."}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["is_open"], body["acknowledged_by"], body["acknowledgement_comment"]) == (
        False,
        active_plan.patient.therapist.pk,
        "Phoned; fine.",
    )
    assert client.get("/api/v1/alerts/?open=true").json()["count"] == 0
    assert client.get("/api/v1/alerts/?open=false").json()["count"] == 1
    again = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This alert was already acknowledged."]}


# --- Schema and docs -----------------------------------------------------------------------


def test_schema_is_valid_openapi_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/sessions/" in text


def test_docs_page_loads_its_assets_from_this_server_with_no_inline_code(db):
    import re

    client = client_for(None)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in html and "style=" not in html
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html))  # nothing from another origin
    start_up = client.get("/api/docs/?script=")
    assert start_up.status_code == 200
    assert start_up.headers["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in start_up.content.decode()


def test_a_therapist_adjusts_when_the_patient_moves_on(patient, handout_program):
    """A draft's week rules change through the API; bad values change nothing."""
    client = client_for(patient.therapist)
    draft = _create_plan(client, patient).json()
    url = f"/api/v1/plans/{draft['id']}/"

    changed = client.patch(
        url, {"rules": [{"week": 2, "min_sessions_in_previous_week": 4, "pain_ceiling": 6}]}, format="json"
    )

    assert changed.status_code == 200
    week2 = changed.json()["weeks"][1]["progression_rule"]
    assert (week2["min_sessions_in_previous_week"], week2["pain_ceiling"]) == (4, 6)
    assert handout_program.weeks.get(number=2).min_sessions_in_previous_week == 5  # template unchanged
    for bad in (
        {"week": 2, "min_days_in_previous_week": 3, "min_sessions_in_previous_week": 5},
        {"week": 2, "pain_rise_limit": 0},
        {"week": 1, "min_days_in_previous_week": 3},
        {"week": 9, "min_days_in_previous_week": 3},
    ):
        refused = client.patch(url, {"rules": [bad], "note_to_patient": "Not saved"}, format="json")
        assert refused.status_code == 400, bad
    after = client.get(url).json()
    assert after["note_to_patient"] != "Not saved"
    assert after["weeks"][1]["progression_rule"]["min_days_in_previous_week"] == 7


def test_a_patient_logs_everything_as_prescribed_through_the_api(active_plan):
    client = client_for(active_plan.patient.user)
    day = active_plan.patient.local_date() - dt.timedelta(days=1)
    body = {"date": day.isoformat(), "pain_before": 3, "pain_after": 2, "symptom_change": "same"}
    response = client.post("/api/v1/sessions/", {**body, "as_prescribed": True}, format="json")
    assert response.status_code == 201, response.json()
    items = plan_exercises_up_to_week(plan=active_plan, week=1)
    assert [(e["plan_exercise"], e["done"], e["reps"]) for e in response.json()["exercises"]] == [
        (item.pk, True, item.target_reps) for item in items
    ]
    assert response.json()["date"] == day.isoformat()

    both = {**body, "as_prescribed": True, "exercises": [{"plan_exercise": items[0].pk, "done": False}]}
    refused = client.post("/api/v1/sessions/", both, format="json")
    assert refused.status_code == 400
    assert "not both" in str(refused.json())
