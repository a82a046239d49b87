"""An integrator generates a client from /api/schema/ with openapi-python-client's defaults, and
it works: the patient's time zone is a validated string with examples, not an enum of ~600 names
(two of which, "GMT0" and "GMT+0", make the same Python identifier and stop the generator)."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import Client

from tests.factories import PASSWORD

from .conftest import client_for

pytestmark = pytest.mark.django_db

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def _schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_time_zone_is_a_string_with_examples_not_an_enum(client):
    schemas = _schema(client)["components"]["schemas"]
    for name in ("Patient", "PatientCreate", "PatchedPatientWrite"):
        field = schemas[name]["properties"]["timezone"]
        assert field["type"] == "string" and "enum" not in field, name
        assert field["example"] == "Europe/London" and "America/New_York" in field["description"]
    assert not [name for name, schema in schemas.items() if len(schema.get("enum", [])) > 50]


def test_an_unknown_time_zone_is_a_clear_400(world):
    response = client_for(world.therapist).patch(
        f"/api/v1/patients/{world.patient.pk}/", {"timezone": "Mars/Olympus_Mons"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "timezone": ["“Mars/Olympus_Mons” is not a time zone. Use an IANA name such as Europe/London."]
    }
    ok = client_for(world.therapist).patch(
        f"/api/v1/patients/{world.patient.pk}/", {"timezone": "America/New_York"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["timezone"] == "America/New_York"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory, django_db_setup, django_db_blocker):
    """The client package openapi-python-client makes from /api/schema/, with its defaults
    (made once for this module: about 3 s)."""
    tmp_path = tmp_path_factory.mktemp("generated")
    schema = tmp_path / "schema.yaml"
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    schema.write_bytes(response.content)
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(GENERATOR), "generate", "--path", str(schema), "--output-path", str(tmp_path / "client")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path / "client"))
    try:
        yield importlib.import_module("back_care_api_client")
    finally:
        sys.path.remove(str(tmp_path / "client"))
        for name in [m for m in sys.modules if m.split(".")[0] == "back_care_api_client"]:
            del sys.modules[name]


@pytest.mark.django_db(transaction=True)
def test_a_patient_journey_through_a_generated_client(generated_client, live_server, active_plan):
    """Get a token, read today's exercises, log the session: as an integrator's app would."""
    from back_care_api_client import AuthenticatedClient, Client
    from back_care_api_client.api.auth import auth_token_create
    from back_care_api_client.api.me import me_today_retrieve
    from back_care_api_client.api.sessions import sessions_create
    from back_care_api_client.models import SessionExerciseEntry, SessionLog, SymptomChangeEnum, TokenRequest

    patient = active_plan.patient
    token = auth_token_create.sync(
        client=Client(base_url=live_server.url),
        body=TokenRequest(username=patient.user.username, password=PASSWORD),
    )
    api = AuthenticatedClient(base_url=live_server.url, token=token.token, prefix="Token")

    today = me_today_retrieve.sync(client=api)
    assert today.plan == active_plan.pk and today.week == 1
    assert [e.exercise for e in today.exercises][:1] == ["single-knee-to-chest"]

    logged = sessions_create.sync_detailed(
        client=api,
        body=SessionLog(
            pain_before=4,
            pain_after=3,
            symptom_change=SymptomChangeEnum.BETTER,
            exercises=[
                SessionExerciseEntry(
                    plan_exercise=e.id, done=True, reps=e.target_reps, hold_seconds=e.target_hold_seconds
                )
                for e in today.exercises
            ],
        ),
    )
    assert logged.status_code == 201, logged.content
    assert logged.parsed.date == today.date and logged.parsed.pain_after == 3
    assert me_today_retrieve.sync(client=api).session == logged.parsed.id


@pytest.mark.django_db(transaction=True)
def test_a_therapist_sets_a_time_zone_through_a_generated_client(generated_client, live_server, therapist):
    from back_care_api_client import AuthenticatedClient, Client
    from back_care_api_client.api.auth import auth_token_create
    from back_care_api_client.api.patients import patients_create
    from back_care_api_client.models import PatientCreate, TokenRequest

    token = auth_token_create.sync(
        client=Client(base_url=live_server.url),
        body=TokenRequest(username=therapist.username, password=PASSWORD),
    )
    api = AuthenticatedClient(base_url=live_server.url, token=token.token, prefix="Token")
    created = patients_create.sync(
        client=api,
        body=PatientCreate(
            first_name="Ana", last_name="Lima", username="ana.lima", timezone="America/Sao_Paulo"
        ),
    )
    assert created.timezone == "America/Sao_Paulo"
