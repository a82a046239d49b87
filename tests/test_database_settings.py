"""The database connection as deployed on PostgreSQL: repeated queries are prepared statements."""

import pytest
from django.db import connection

from patients.models import SessionLog


def test_a_query_run_again_on_a_connection_is_planned_once(active_plan):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (prepared statements); run with DATABASE_URL=postgres://...")
    patient = active_plan.patient
    for _ in range(3):
        list(SessionLog.objects.filter(patient=patient, date__gte=active_plan.start_date))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "patients_sessionlog"' in statement for statement in prepared)
