"""`manage.py bench_requests` (make bench-requests) measures the load test's requests in-process."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_it_prints_time_and_queries_for_each_kind_of_request():
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
