"""Property-based run of schemathesis against the live schema, as a therapist and a patient.

Fails on any 5xx, any response that does not match the schema (body, status code, content
type). Examples per operation are kept small so CI stays fast; raise
BACKCARE_SCHEMATHESIS_EXAMPLES locally for a deeper run.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import client_for

EXAMPLES = int(os.environ.get("BACKCARE_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def _load_schema():
    from backcare.wsgi import application

    # Served by the app itself, called in-process through WSGI (no server, no network).
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_database_connection():
    """Django closes the database connection at the end of each request; inside a test's
    transaction that would lose the test data, so (as Django's own test client does) the
    signal is disconnected while these tests run."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _token(user) -> str:
    client = client_for(user)
    return client._credentials["HTTP_AUTHORIZATION"]


HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _call_and_validate(case, world, user):
    """Call as generated; where the generated id is a number, also call again with a real
    object's id, so bodies and actions meet real plans, sessions and alerts, not only 404s."""
    headers = {"Authorization": _token(user)}
    case.call_and_validate(headers=headers, checks=CHECKS)
    path_parameters = case.path_parameters or {}
    if isinstance(path_parameters.get("id"), int) and not isinstance(path_parameters["id"], bool):
        from exercises.models import Exercise

        resource = case.path.split("/")[3]
        real = {
            "plans": world.plan.pk,
            "patients": world.patient.pk,
            "sessions": world.session.pk,
            "alerts": world.alert.pk,
            "exercises": Exercise.objects.order_by("pk").values_list("pk", flat=True).first(),
        }.get(resource)
        if real is not None:
            case.path_parameters["id"] = real
            case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_therapist(case, world):
    _call_and_validate(case, world, world.therapist)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_patient(case, world):
    _call_and_validate(case, world, world.patient.user)
