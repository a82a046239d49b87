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

# (method, url, body, (anon, patient, other patient, therapist, colleague, other clinic, manager))
MATRIX = [
    ("get", "/api/v1/exercises/", None, (401, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/exercises/{exercise}/", None, (401, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/programs/", None, (401, 200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/programs/back-strengthening/", None, (401, 200, 200, 200, 200, 200, 200)),
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
    ("get", "/api/v1/reports/rtm/", None, (401, 403, 403, 200, 200, 200, 200)),
    # A patient's record as FHIR: the patient themselves, their therapist and their clinic's manager.
    ("get", "/api/v1/fhir/Patient/{patient}/$everything", None, (401, 200, 404, 200, 404, 404, 200)),
    # Bulk FHIR export (NDJSON): what the caller may see, so a colleague gets an empty file.
    ("get", "/api/v1/fhir/export/Patient.ndjson", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/api/schema/", None, (200, 200, 200, 200, 200, 200, 200)),
]


def _fill(value, world):
    from exercises.models import Exercise

    names = {
        "patient": world.patient.pk,
        "plan": world.plan.pk,
        "draft": world.draft.pk,
        "session": world.session.pk,
        "alert": world.alert.pk,
        "exercise": Exercise.objects.order_by("pk").first().pk,
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
    names = {"exercise": "id", "patient": "id", "plan": "id", "draft": "id", "session": "id", "alert": "id"}
    covered = set()
    for method, url, _body, _statuses in MATRIX:
        path = url.replace("back-strengthening", "{slug}").replace("/Patient.ndjson", "/{kind}.ndjson")
        for name, param in names.items():
            path = path.replace("{" + name + "}", "{" + param + "}")
        covered.add((method, path))
    covered.add(("post", "/api/v1/auth/token/"))  # tested on its own: it takes credentials
    missing = documented - covered
    assert not missing, sorted(missing)
