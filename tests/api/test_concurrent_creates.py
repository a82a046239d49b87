"""Two requests creating the same thing at the same moment: one wins, the other reads the same
400 with the field's message as a request made a second later would, never a 500.

Real threads on PostgreSQL, each with its own connection: both pass the service's "already
there?" check before either inserts, so the database's unique constraint decides.
"""

import threading
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection, connections
from django.db.models import QuerySet

from accounts.models import User
from patients.models import Plan
from tests.factories import PatientFactory, TherapistFactory

from .conftest import client_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite runs one write transaction at a time, so no race can happen",
    ),
]


@contextmanager
def checks_meet(model, parties: int = 2):
    """Each thread's first `.exists()` on `model` waits until every thread has made its check."""
    barrier = threading.Barrier(parties, timeout=10)
    real_exists = QuerySet.exists
    seen = threading.local()

    def exists(queryset):
        found = real_exists(queryset)
        if queryset.model is model and not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()
        return found

    with mock.patch.object(QuerySet, "exists", exists):
        yield


def _at_once(*calls):
    results = [None] * len(calls)

    def run(i, call):
        try:
            results[i] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_therapists_creating_the_same_username_at_once(db):
    a, b = TherapistFactory(), TherapistFactory()
    body = {"username": "sam.same", "first_name": "Sam", "last_name": "Same"}

    def create(therapist, username):
        def call():
            response = client_for(therapist).post(
                "/api/v1/patients/", {**body, "username": username}, format="json"
            )
            return response.status_code, response.json()

        return call

    with checks_meet(User):
        results = _at_once(create(a, "sam.same"), create(b, "Sam.Same"))
    assert sorted(code for code, _ in results) == [201, 400], results
    [refused] = [body for code, body in results if code == 400]
    assert refused == {"username": ["That username is taken. Choose another."]}


def test_two_plans_for_one_patient_at_once(therapist, handout_program):
    patient = PatientFactory(therapist=therapist)

    def create():
        response = client_for(therapist).post(
            "/api/v1/plans/",
            {
                "patient": patient.pk,
                "template": handout_program.slug,
                "start_date": "2030-01-07",
                "confirm_start_date": True,
            },
            format="json",
        )
        return response.status_code, response.json()

    with checks_meet(Plan):
        results = _at_once(create, create)
    assert sorted(code for code, _ in results) == [201, 400], results
    [refused] = [body for code, body in results if code == 400]
    assert refused == {"non_field_errors": ["This patient already has a draft plan. Edit or approve it."]}
