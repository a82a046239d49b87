"""The integrator's journey from the issue, using only what /api/schema/ documents."""

from patients.models import SessionLog

from .conftest import client_for


def test_token_patient_plan_approve_log_twice_read_progression(handout_program, therapist):
    therapist.set_password("journey-pw-1")
    therapist.save()
    api = client_for(None)

    token = api.post(
        "/api/v1/auth/token/", {"username": therapist.username, "password": "journey-pw-1"}, format="json"
    )
    assert token.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    patient = api.post(
        "/api/v1/patients/",
        {
            "username": "pat.journey",
            "first_name": "Pat",
            "last_name": "Journey",
            "password": "a-long-pass-phrase",
        },
        format="json",
    )
    assert patient.status_code == 201, patient.json()
    patient_id = patient.json()["id"]

    program = api.get("/api/v1/programs/back-strengthening/").json()
    first_slug = program["weeks"][0]["exercises"][0]["slug"]
    today = api.get("/api/v1/me/today/")
    assert today.status_code == 403  # a therapist has no "today"

    plan = api.post(
        "/api/v1/plans/",
        {
            "patient": patient_id,
            "template": program["slug"],
            "start_date": "2000-01-03",
            "confirm_start_date": True,
            "targets": [{"exercise": first_slug, "target_hold_seconds": 7, "target_reps": 6}],
        },
        format="json",
    )
    assert plan.status_code == 201, plan.json()
    plan_id = plan.json()["id"]
    # Start today, in the patient's own time zone (which the API computes).
    patient_api = client_for(None)
    patient_token = patient_api.post(
        "/api/v1/auth/token/", {"username": "pat.journey", "password": "a-long-pass-phrase"}, format="json"
    ).json()["token"]
    patient_api.credentials(HTTP_AUTHORIZATION=f"Token {patient_token}")
    local_today = patient_api.get("/api/v1/me/today/").json()["date"]
    assert (
        api.patch(f"/api/v1/plans/{plan_id}/", {"start_date": local_today}, format="json").status_code == 200
    )

    approved = api.post(f"/api/v1/plans/{plan_id}/approve/")
    assert approved.json()["status"] == "approved"

    today = patient_api.get("/api/v1/me/today/").json()
    assert (today["plan"], today["week"], len(today["exercises"])) == (plan_id, 1, 3)
    first = next(e for e in today["exercises"] if e["exercise"] == first_slug)
    assert (first["target_hold_seconds"], first["target_reps"]) == (7, 6)

    entry = {
        "date": today["date"],
        "pain_before": 4,
        "pain_after": 3,
        "symptom_change": "same",
        "exercises": [{"plan_exercise": first["id"], "done": True, "reps": 6, "hold_seconds": 7}],
    }
    assert patient_api.post("/api/v1/sessions/", entry, format="json").status_code == 201
    entry["pain_after"] = 2
    again = patient_api.post("/api/v1/sessions/", entry, format="json")
    assert again.status_code == 200
    assert SessionLog.objects.filter(patient_id=patient_id).count() == 1

    seen_by_therapist = api.get(f"/api/v1/sessions/?patient={patient_id}").json()
    assert seen_by_therapist["count"] == 1
    assert seen_by_therapist["results"][0]["pain_after"] == 2

    progression = api.get(f"/api/v1/plans/{plan_id}/progression/").json()
    assert progression["current_week"] == 1
    assert progression["state"] in {"in_week", "ready", "held", "finished"}
    assert isinstance(progression["reasons"], list)
