"""docs/operations.md's backup and restore, done for real: `pg_dump -Fc` of the database,
`pg_restore` into a fresh one, and every session and acknowledged alert is there.

PostgreSQL only (SQLite is one file, copied as it is); it runs in CI's PostgreSQL run
(`.ci/run`). The dump reads committed rows from another process, so the test commits its data
(a transactional test).
"""

import datetime as dt
import os
import shutil
import subprocess

import psycopg
import pytest
from django.db import connection

from patients.models import Alert, SessionLog
from patients.services import alert_acknowledge, session_log

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="backs up PostgreSQL with pg_dump: run with DATABASE_URL=postgres://... (as CI does)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
    if path is None:
        message = f"{name} is not installed (apt-get install postgresql-client)"
        if os.environ.get("BACKCARE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _libpq_env() -> dict:
    params = connection.settings_dict
    env = {**os.environ, "PGHOST": params["HOST"] or "", "PGPORT": str(params["PORT"] or "")}
    env.update({"PGUSER": params["USER"] or "", "PGPASSWORD": params["PASSWORD"] or ""})
    return env


def _admin():
    """A connection to the server's `postgres` database, to create and drop the fresh one."""
    params = {**connection.get_connection_params(), "dbname": "postgres", "autocommit": True}
    for option in ("prepare_threshold", "cursor_factory", "options", "context"):
        params.pop(option, None)
    return psycopg.connect(**params)


@pytest.fixture
def fresh_database():
    name = f"{connection.settings_dict['NAME']}_restored"[:63]
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restored_backup_holds_every_session_and_acknowledged_alert(active_plan, fresh_database, tmp_path):
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    server = connection.pg_version // 10000
    client = int(
        subprocess.run(  # noqa: S603 (fixed arguments)
            [pg_dump, "--version"], capture_output=True, text=True, check=True
        )
        .stdout.split()[2]
        .split(".")[0]
    )
    assert client >= server, (
        f"pg_dump {client} cannot dump a PostgreSQL {server} server: install postgresql-client-{server}"
    )

    patient = active_plan.patient
    today = patient.local_date()
    for days_ago, pain_after in ((3, 3), (2, 8), (1, 2)):
        session_log(
            patient=patient,
            day=today - dt.timedelta(days=days_ago),
            pain_before=4,
            pain_after=pain_after,
            symptom_change="same",
            as_prescribed=True,
        )
    alert = Alert.objects.filter(patient=patient).first()
    alert_acknowledge(alert=alert, by=patient.therapist, comment="Called; fine now.")
    sessions = sorted(SessionLog.objects.values_list("pk", "date", "pain_after", "exercises_done"))
    acknowledged = sorted(
        Alert.objects.filter(acknowledged_at__isnull=False).values_list(
            "pk", "acknowledged_at", "acknowledgement_comment"
        )
    )
    assert len(sessions) == 3 and len(acknowledged) == 1

    dump = tmp_path / "backcare.dump"
    env = _libpq_env()
    subprocess.run(  # noqa: S603 (fixed tools, the test database's own name)
        [pg_dump, "-Fc", "-f", str(dump), connection.settings_dict["NAME"]], env=env, check=True
    )
    subprocess.run(  # noqa: S603 (fixed tools, the test database's own name)
        [pg_restore, "--no-owner", "--exit-on-error", "-d", fresh_database, str(dump)], env=env, check=True
    )

    params = {**connection.get_connection_params(), "dbname": fresh_database}
    for option in ("prepare_threshold", "cursor_factory", "options", "context"):
        params.pop(option, None)
    with psycopg.connect(**params) as restored:
        restored_sessions = sorted(
            restored.execute(
                "SELECT id, date, pain_after, exercises_done FROM patients_sessionlog"
            ).fetchall()
        )
        restored_alerts = sorted(
            restored.execute(
                "SELECT id, acknowledged_at, acknowledgement_comment FROM patients_alert"
                " WHERE acknowledged_at IS NOT NULL"
            ).fetchall()
        )
        migrations = restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    assert restored_sessions == sessions
    assert restored_alerts == acknowledged
    assert migrations > 0  # the schema's history came along: `migrate` after a restore has nothing to redo
