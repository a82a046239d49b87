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
        "today_page_unchanged",
        "today_page_after_a_change",
        "api_today",
        "session_log_relog_today",
    }
    assert all(row["ms"] > 0 for row in figures.values())
    # The page cache at work: an unchanged today page reads far less than one after a change.
    assert figures["today_page_unchanged"]["queries"] < figures["today_page_after_a_change"]["queries"]


def test_it_asks_for_the_load_test_clinic_first():
    with pytest.raises(CommandError, match="loadtest_setup"):
        call_command("bench_requests", requests=1, stdout=StringIO())
