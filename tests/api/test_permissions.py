"""Every endpoint × every kind of caller, with the status each must get (pretix style).

Columns: anonymous, patient (owns the data), another patient of the same therapist, the
patient's therapist, another therapist of the same clinic, a therapist of another clinic,
the clinic's manager. Someone else's object answers 404 — never the data.
"""

import pytest

from .conftest import client_for

ROLES = (
    "anonymous",
    "patient",
    "other_patient",
    "therapist",
    "therapist_same_clinic",
    "therapist_other_clinic",
    "manager",
)

TODAY = "{today}"
NEW_EXERCISE = {
    "name": "Wall sit",
    "starting_position": "Stand against a wall.",
    "instructions": "Slide down.",
}

# (method, url, body, (anon, patient, other patient, therapist, colleague, other clinic, manager))
MATRIX = [
    # The library: a clinic's therapists and managers read the shipped items and their own clinic's
    # (another clinic's is not found), add and change their own; a shipped item answers 403 to a
    # change (copy it); patients read their exercises through me/today.
    ("get", "/api/v1/exercises/", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/v1/exercises/{exercise}/", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/v1/exercises/{own_exercise}/", None, (401, 403, 403, 200, 200, 404, 200)),
    ("post", "/api/v1/exercises/", NEW_EXERCISE, (401, 403, 403, 201, 201, 201, 201)),
    (
        "patch",
        "/api/v1/exercises/{own_exercise}/",
        {"cautions": "Slowly."},
        (401, 403, 403, 200, 200, 404, 200),
    ),
    ("patch", "/api/v1/exercises/{exercise}/", {"cautions": "Mine."}, (401, 403, 403, 403, 403, 403, 403)),
    ("post", "/api/v1/exercises/{exercise}/copy/", None, (401, 403, 403, 201, 201, 201, 201)),
    ("post", "/api/v1/exercises/{own_exercise}/copy/", None, (401, 403, 403, 201, 201, 404, 201)),
    ("get", "/api/v1/programs/", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/v1/programs/back-strengthening/", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/v1/programs/{own_program}/", None, (401, 403, 403, 200, 200, 404, 200)),
    ("post", "/api/v1/programs/", {"name": "Desk workers"}, (401, 403, 403, 201, 201, 201, 201)),
    ("patch", "/api/v1/programs/{own_program}/", {"is_active": False}, (401, 403, 403, 200, 200, 404, 200)),
    ("patch", "/api/v1/programs/back-strengthening/", {"name": "Mine"}, (401, 403, 403, 403, 403, 403, 403)),
    ("post", "/api/v1/programs/back-strengthening/copy/", None, (401, 403, 403, 201, 201, 201, 201)),
    ("get", "/api/v1/patients/", None, (401, 403, 403, 200, 200, 200, 403)),
    (
        "post",
        "/api/v1/patients/",
        {"username": "new.patient", "first_name": "New", "last_name": "Patient"},
        (401, 403, 403, 201, 201, 201, 403),
    ),
    ("get", "/api/v1/patients/{patient}/", None, (401, 403, 403, 200, 404, 404, 403)),
    ("patch", "/api/v1/patients/{patient}/", {"first_name": "Sam"}, (401, 403, 403, 200, 404, 404, 403)),
    ("get", "/api/v1/plans/", None, (401, 403, 403, 200, 200, 200, 403)),
    (
        "post",
        "/api/v1/plans/",
        {"patient": "{patient}", "template": "back-strengthening", "start_date": TODAY},
        # A therapist naming someone else's patient is told no patient of theirs has that id.
        (401, 403, 403, 201, 400, 400, 403),
    ),
    ("get", "/api/v1/plans/{plan}/", None, (401, 403, 403, 200, 404, 404, 403)),
    ("patch", "/api/v1/plans/{plan}/", {"note_to_patient": "Slowly."}, (401, 403, 403, 201, 404, 404, 403)),
    ("patch", "/api/v1/plans/{draft}/", {"note_to_patient": "Slowly."}, (401, 403, 403, 200, 404, 404, 403)),
    ("get", "/api/v1/plans/{plan}/versions/", None, (401, 403, 403, 200, 404, 404, 403)),
    ("get", "/api/v1/plans/{plan}/progression/", None, (401, 403, 403, 200, 404, 404, 403)),
    (
        "post",
        "/api/v1/plans/{plan}/overrides/",
        {"action": "hold", "reason": "Wait for the review."},
        (401, 403, 403, 201, 404, 404, 403),
    ),
    ("post", "/api/v1/plans/{draft}/approve/", None, (401, 403, 403, 200, 404, 404, 403)),
    ("post", "/api/v1/plans/{plan}/pause/", {"reason": "Flare-up"}, (401, 403, 403, 200, 404, 404, 403)),
    # The plan is not paused: its own therapist reaches the state check (400), others do not.
    ("post", "/api/v1/plans/{plan}/resume/", None, (401, 403, 403, 400, 404, 404, 403)),
    ("post", "/api/v1/plans/{plan}/complete/", None, (401, 403, 403, 200, 404, 404, 403)),
    ("get", "/api/v1/me/today/", None, (401, 200, 200, 403, 403, 403, 403)),
    # Reminders: each patient reads and changes only their own; staff see them on the patient.
    ("get", "/api/v1/me/reminders/", None, (401, 200, 200, 403, 403, 403, 403)),
    (
        "patch",
        "/api/v1/me/reminders/",
        {"time": "18:00", "days": [0, 1, 2, 3, 4]},
        (401, 200, 200, 403, 403, 403, 403),
    ),
    ("get", "/api/v1/sessions/", None, (401, 200, 200, 200, 200, 200, 403)),
    (
        "post",
        "/api/v1/sessions/",
        {"pain_before": 3, "pain_after": 2, "symptom_change": "better"},
        # The other patient has no approved plan yet: the service says so (400).
        (401, 201, 400, 403, 403, 403, 403),
    ),
    ("get", "/api/v1/sessions/{session}/", None, (401, 200, 404, 200, 404, 404, 403)),
    # Alerts: the therapist reads and acknowledges their patients'; the clinic's manager reads them.
    ("get", "/api/v1/alerts/", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/v1/alerts/{alert}/", None, (401, 403, 403, 200, 404, 404, 200)),
    (
        "post",
        "/api/v1/alerts/{alert}/acknowledge/",
        {"comment": "Called the patient."},
        (401, 403, 403, 200, 404, 404, 403),
    ),
    (
        "post",
        "/api/v1/alerts/acknowledge/",
        {"ids": ["{alert}"], "comment": "Called the patient."},
        (401, 403, 403, 200, 404, 404, 403),
    ),
    ("get", "/api/v1/reports/adherence/", None, (401, 403, 403, 200, 200, 200, 200)),
    # The whole record (ZIP): only a manager of the patient's clinic.
    ("get", "/api/v1/patients/{patient}/record/", None, (401, 403, 403, 403, 403, 403, 200)),
    # Outcome measures: questionnaires are shared; schedules, answers and scores belong to a patient.
    ("get", "/api/v1/instruments/", None, (401, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/instruments/{instrument}/", None, (401, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/schedules/", None, (401, 200, 200, 200, 200, 200, 403)),
    ("get", "/api/v1/schedules/{schedule}/", None, (401, 200, 404, 200, 404, 404, 403)),
    (
        "post",
        "/api/v1/schedules/",
        {"plan": "{draft}", "instrument_code": "nprs", "every_weeks": 4},
        # The draft asks for NPRS already (the program's default): changed, 200. Someone else's
        # plan is not one the caller may name (400), as for plans.
        (401, 403, 403, 200, 400, 400, 403),
    ),
    ("delete", "/api/v1/schedules/{draft_schedule}/", None, (401, 403, 403, 204, 404, 404, 403)),
    ("get", "/api/v1/me/questionnaires/", None, (401, 200, 200, 403, 403, 403, 403)),
    ("get", "/api/v1/responses/", None, (401, 200, 200, 200, 200, 200, 403)),
    ("get", "/api/v1/responses/{response}/", None, (401, 200, 404, 200, 404, 404, 403)),
    (
        "post",
        "/api/v1/responses/",
        {
            "instrument_code": "psfs",
            "answers": [{"name": n, "rating": 5} for n in ("socks", "sitting", "lifting")],
        },
        # The other patient's plan is a draft: nothing is due for them (400).
        (401, 201, 400, 403, 403, 403, 403),
    ),
    ("get", "/api/v1/scores/", None, (401, 200, 200, 200, 200, 200, 403)),
    ("get", "/api/v1/scores/{score}/", None, (401, 200, 404, 200, 404, 404, 403)),
    ("get", "/api/v1/reports/outcomes/", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/v1/reports/rtm/", None, (401, 403, 403, 200, 200, 200, 200)),
    # A patient's record as FHIR: the patient themselves, their therapist and their clinic's manager.
    ("get", "/api/v1/fhir/Patient/{patient}/$everything", None, (401, 200, 404, 200, 404, 404, 200)),
    # Bulk FHIR export (NDJSON): what the caller may see, so a colleague gets an empty file.
    ("get", "/api/v1/fhir/export/Patient.ndjson", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/v1/fhir/export/QuestionnaireResponse.ndjson", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/v1/fhir/export/Observation.ndjson", None, (401, 403, 403, 200, 200, 200, 200)),
    # Messages: a patient reads and writes their own thread; their therapist answers it; the
    # clinic's manager reads it only where the clinic allows it (off here: not found; see
    # tests/api/test_messages.py for on), and never writes.
    ("get", "/api/v1/me/messages/", None, (401, 200, 200, 403, 403, 403, 403)),
    ("post", "/api/v1/me/messages/", {"body": "Can I walk?"}, (401, 201, 201, 403, 403, 403, 403)),
    ("get", "/api/v1/patients/{patient}/messages/", None, (401, 403, 403, 200, 404, 404, 404)),
    (
        "post",
        "/api/v1/patients/{patient}/messages/",
        {"body": "Yes, gently."},
        (401, 403, 403, 201, 404, 404, 403),
    ),
    ("get", "/api/schema/", None, (200, 200, 200, 200, 200, 200, 200)),
    # Logins: everyone sees and ends only their own; {device} is the patient's phone.
    ("get", "/api/v1/auth/devices/", None, (401, 200, 200, 200, 200, 200, 200)),
    ("delete", "/api/v1/auth/devices/{device}/", None, (401, 204, 404, 404, 404, 404, 404)),
    ("delete", "/api/v1/auth/token/", None, (401, 204, 204, 204, 204, 204, 204)),
    ("post", "/api/v1/auth/log-out-everywhere/", None, (401, 204, 204, 204, 204, 204, 204)),
]


def _library_items(world):
    """One exercise and one program template of the therapist's clinic (made once per test)."""
    from exercises import library
    from exercises.models import Exercise, ProgramTemplate

    clinic = world.therapist.clinic
    exercise = Exercise.objects.filter(clinic=clinic, name="Riverside plank").first()
    if exercise is None:
        exercise = library.exercise_create(
            by=world.therapist,
            data={"name": "Riverside plank", "starting_position": "Lie face down.", "instructions": "Lift."},
        )
    program = ProgramTemplate.objects.filter(clinic=clinic, name="Riverside starter").first()
    if program is None:
        program = library.program_create(by=world.therapist, data={"name": "Riverside starter"})
    return exercise, program


def _fill(value, world):
    from exercises.models import Exercise
    from outcomes.models import Instrument, PlanOutcome

    own_exercise, own_program = _library_items(world)
    names = {
        "own_exercise": own_exercise.pk,
        "own_program": own_program.slug,
        "instrument": Instrument.objects.order_by("pk").first().pk,
        "schedule": PlanOutcome.objects.filter(plan=world.plan).order_by("pk").first().pk,
        "draft_schedule": PlanOutcome.objects.filter(plan=world.draft).order_by("pk").first().pk,
        "response": world.response.pk,
        "score": world.response.score.pk,
        "patient": world.patient.pk,
        "plan": world.plan.pk,
        "draft": world.draft.pk,
        "session": world.session.pk,
        "alert": world.alert.pk,
        "device": world.device.pk,
        "exercise": Exercise.objects.filter(clinic__isnull=True).order_by("pk").first().pk,
        "today": world.patient.local_date().isoformat(),
    }
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        return value.format(**names)
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    return value


CASES = [
    pytest.param(method, url, body, role, expected, id=f"{method} {url} as {role}")
    for method, url, body, statuses in MATRIX
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("method", "url", "body", "role", "expected"), CASES)
def test_permission_matrix(world, method, url, body, role, expected):
    client = client_for(world.user(role))
    response = getattr(client, method)(_fill(url, world), _fill(body, world), format="json")
    assert response.status_code == expected, response.content[:300]
    shipped = "{exercise}" in url or url.endswith("back-strengthening/")
    if expected == 403 and method == "patch" and shipped and role not in ("patient", "other_patient"):
        # A shipped library item: the refusal says what to do instead.
        assert response.json() == {
            "detail": "This ships with BackCare and is read-only: copy it to change it."
        }
    if expected == 404:
        # Nothing of the object leaks, only "not found".
        assert set(response.json()) == {"detail"}


def test_lists_show_only_what_the_caller_may_see(world):
    """A list answers 200 to a colleague or another clinic, but shows none of the patient's data."""
    for role in ("therapist_same_clinic", "therapist_other_clinic"):
        client = client_for(world.user(role))
        for url in ("/api/v1/patients/", "/api/v1/plans/", "/api/v1/sessions/", "/api/v1/alerts/"):
            assert client.get(url).json()["count"] == 0, (role, url)
    own = client_for(world.patient.user).get("/api/v1/sessions/").json()
    assert [row["id"] for row in own["results"]] == [world.session.pk]
    other = client_for(world.other_patient.user).get("/api/v1/sessions/").json()
    assert other["count"] == 0


def test_matrix_covers_every_operation_in_the_schema(world):
    """A new endpoint cannot be added without a row in the matrix."""
    schema = client_for(None).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    names = {
        "own_exercise": "id",
        "own_program": "slug",
        "exercise": "id",
        "patient": "id",
        "plan": "id",
        "draft": "id",
        "session": "id",
        "alert": "id",
    }
    names["device"] = "id"
    names |= {"instrument": "id", "schedule": "id", "draft_schedule": "id", "response": "id", "score": "id"}
    covered = set()
    for method, url, _body, _statuses in MATRIX:
        path = url.replace("back-strengthening", "{slug}").replace("/Patient.ndjson", "/{kind}.ndjson")
        for name, param in names.items():
            path = path.replace("{" + name + "}", "{" + param + "}")
        covered.add((method, path))
    covered.add(("post", "/api/v1/auth/token/"))  # tested on its own: it takes credentials
    missing = documented - covered
    assert not missing, sorted(missing)
