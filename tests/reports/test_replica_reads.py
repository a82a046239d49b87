"""Reports read from the replica (DATABASE_REPLICA_URL); a patient's own pages never do.

The replica here is Django's TEST MIRROR of `default`: the `replica` alias reads the test
database itself, on the test's own connection, so it sees the rows the test just wrote (as a
replica sees the primary's). What is checked is which alias each query went through.
"""

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backcare.db_router import PRIMARY, REPLICA, PrimaryReplicaRouter, replica_reads
from patients.models import SessionLog
from patients.services import session_log
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def replica(db):
    """DATABASES["replica"] as a test mirror of default, for one test."""
    assert REPLICA not in connections.settings, "run the tests without DATABASE_REPLICA_URL"
    primary = connections[PRIMARY]
    connections.settings[REPLICA] = {
        **primary.settings_dict,
        "TEST": {**primary.settings_dict["TEST"], "MIRROR": PRIMARY},
    }
    mirror = connections[REPLICA]
    primary.ensure_connection()
    mirror.connection = primary.connection  # the same test database, inside the test's transaction
    yield mirror
    mirror.connection = None  # the primary's to close, not the mirror's
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def logged(active_plan):
    patient = active_plan.patient
    for days_ago in (3, 2, 1):
        session_log(
            patient=patient,
            day=patient.local_date() - dt.timedelta(days=days_ago),
            pain_before=4,
            pain_after=3,
            symptom_change="same",
            as_prescribed=True,
        )
    return patient


REPORT_TABLES = (
    '"patients_sessionlog"',
    '"patients_plan"',
    '"patients_planpause"',
    '"patients_progressionperiod"',
    '"patients_alert"',
)


def _tables(queries) -> str:
    return " ".join(query["sql"] for query in queries)


def test_without_a_replica_everything_reads_the_primary(active_plan):
    router = PrimaryReplicaRouter()
    with replica_reads():
        assert router.db_for_read(SessionLog) == PRIMARY
    assert router.db_for_write(SessionLog) == PRIMARY


def test_the_clinic_report_reads_the_replica_and_writes_its_audit_row_on_the_primary(
    client, logged, manager, replica
):
    client.force_login(manager)
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
    ):
        page = client.get(reverse("reports:index"))
        csv = client.get(reverse("reports:export_patients"))
        lines = b"".join(csv.streaming_content).decode().splitlines()  # rows are read as the file streams
        daily = client.get(reverse("reports:export_daily"))
        days = b"".join(daily.streaming_content).decode().splitlines()
    assert page.status_code == 200 and csv.status_code == 200 and daily.status_code == 200
    assert len(lines) == 2 and lines[1].split(",")[4] == "3"  # the patient's 3 sessions, read on the replica
    assert len(days) > 3
    report_reads = _tables(on_replica.captured_queries)
    assert "patients_sessionlog" in report_reads and "patients_plan" in report_reads
    on_primary_sql = _tables(on_primary.captured_queries)
    # The primary served the login (session, user) and nothing a report is made of.
    for table in REPORT_TABLES:
        assert table not in on_primary_sql, f"a report read of {table} went to the primary"
    # The one write, the export's audit row, went to the primary; none to the replica.
    assert 'INSERT INTO "audit_auditevent"' in on_primary_sql
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in on_replica.captured_queries)


def test_the_reports_api_reads_the_replica(logged, manager, replica):
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
    ):
        response = client_for(manager).get("/api/v1/reports/adherence/")
    assert response.status_code == 200
    assert response.json()["summary"]["sessions_logged_total"] == 3
    assert "patients_sessionlog" in _tables(on_replica.captured_queries)
    for table in REPORT_TABLES:
        assert table not in _tables(on_primary.captured_queries), table


def test_a_patients_today_page_and_session_log_never_touch_the_replica(client, logged, replica):
    patient = logged
    client.force_login(patient.user)
    today = patient.local_date()
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
    ):
        assert client.get(reverse("patients:today")).status_code == 200
        assert client.get(reverse("patients:log")).status_code == 200
        response = client.post(
            reverse("patients:log"),
            {
                "day": today.isoformat(),
                "completion": "as_prescribed",
                "pain_before": 3,
                "pain_after": 2,
                "symptom_change": "better",
                "note": "",
            },
        )
        assert response.status_code == 302, response.content[:500]
        assert client.get(reverse("patients:progress")).status_code == 200
    assert SessionLog.objects.filter(patient=patient, date=today).exists()
    assert on_replica.captured_queries == []
    assert "patients_sessionlog" in _tables(on_primary.captured_queries)


def test_the_patient_page_a_manager_opens_from_the_report_reads_the_primary(client, logged, manager, replica):
    client.force_login(manager)
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get(reverse("portal:patient_detail", kwargs={"pk": logged.pk})).status_code == 200
    assert on_replica.captured_queries == []


def _databases_with(env: dict) -> dict:
    """settings.DATABASES as a fresh process reads it from the environment."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL", "DATABASE_URL"}}
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({k: {'ENGINE': v['ENGINE'], 'NAME': v['NAME'], 'HOST': v.get('HOST', ''),"
        " 'TEST': v.get('TEST', {})} for k, v in settings.DATABASES.items()}))"
    )
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**environment, **env, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "backcare.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_database_replica_url_adds_the_replica_and_nothing_else_changes():
    primary = "postgres://backcare:pw@db:5432/backcare"
    assert set(_databases_with({"DATABASE_URL": primary})) == {"default"}
    both = _databases_with(
        {"DATABASE_URL": primary, "DATABASE_REPLICA_URL": "postgres://backcare:pw@db-replica:5432/backcare"}
    )
    assert both["default"]["HOST"] == "db" and both["replica"]["HOST"] == "db-replica"
    assert both["replica"]["TEST"]["MIRROR"] == "default"  # tests read the test database through it


@pytest.mark.parametrize(
    ("url", "api"),
    [
        ("/portal/reports/outcomes/", False),
        ("/portal/reports/outcomes.csv", False),
        ("/portal/rtm/", False),
        ("/portal/rtm/rtm.csv", False),
        ("/api/v1/reports/outcomes/", True),
        ("/api/v1/reports/rtm/", True),
    ],
)
def test_the_outcome_and_rtm_reports_read_the_replica_too(client, logged, manager, replica, url, api):
    client.force_login(manager)
    caller = client_for(manager) if api else client
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
    ):
        response = caller.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    assert on_replica.captured_queries, f"{url} read nothing on the replica"
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in on_replica.captured_queries)
    for table in REPORT_TABLES:
        assert table not in _tables(on_primary.captured_queries), f"{url}: a read of {table} on the primary"
