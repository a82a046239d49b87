"""`manage.py bench_requests` (make bench-requests) measures the load test's requests in-process."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def connections_kept():
    """The command calls Django's handler as a server would, which closes database connections
    that are in a transaction at the end of a request: the test's own transaction here (as the
    test client does, the test keeps them open)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_it_prints_time_and_queries_for_each_kind_of_request(connections_kept):
    call_command("loadtest_setup", patients=1, stdout=StringIO())
    out = StringIO()
    call_command("bench_requests", requests=3, stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(figures) == {
        "healthz",
        "today_page",
        "api_today",
        "session_log_relog_today",
    }
    assert all(row["ms"] > 0 for row in figures.values())
    assert figures["today_page"]["queries"] > 0  # read from the database, never a cached copy


def test_it_asks_for_the_load_test_clinic_first():
    with pytest.raises(CommandError, match="loadtest_setup"):
        call_command("bench_requests", requests=1, stdout=StringIO())


def test_with_sql_it_prints_each_statement_of_the_session_log(connections_kept):
    call_command("loadtest_setup", patients=1, stdout=StringIO())
    out = StringIO()
    call_command("bench_requests", requests=2, sql=True, stdout=out)
    log_part = out.getvalue().split("session_log_relog_today", 1)[1]
    assert "UPDATE" in log_part and "ms  SELECT" in log_part


def test_with_profile_it_shows_where_one_kind_of_request_spends_its_time(connections_kept):
    call_command("loadtest_setup", patients=1, stdout=StringIO())
    out = StringIO()
    call_command("bench_requests", requests=2, profile="session_log_relog_today", stdout=out)
    assert "session_log" in out.getvalue()
    with pytest.raises(CommandError, match="--profile takes one of"):
        call_command("bench_requests", requests=2, profile="nothing", stdout=StringIO())


def test_the_load_test_patients_start_in_their_second_week_with_a_history(connections_kept):
    from patients.models import Patient, SessionLog

    call_command("loadtest_setup", patients=2, reset=True, stdout=StringIO())
    for patient in Patient.objects.filter(clinic__slug="loadtest"):
        days = [(patient.local_date() - day).days for day in patient.sessions.values_list("date", flat=True)]
        # Most days from the start up to five days ago; none in the four days the load test logs.
        assert len(days) >= 6 and min(days) >= 5 and max(days) <= 14
    call_command("loadtest_setup", patients=2, reset=True, stdout=StringIO())  # again: the same
    assert SessionLog.objects.filter(patient__clinic__slug="loadtest").count() == 2 * len(days)
