"""Events written before they recorded their patient get it from the record they are about."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_migration_fills_in_the_patient_of_older_events(active_plan):
    patient = active_plan.patient
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    apps = executor.loader.project_state([("audit", "0001_initial")]).apps
    Event = apps.get_model("audit", "AuditEvent")
    Event.objects.all().delete()
    for object_type, object_id in (
        ("patients.patient", patient.pk),
        ("patients.plan", active_plan.pk),
        ("accounts.clinic", patient.clinic_id),
    ):
        Event.objects.create(action="x", object_type=object_type, object_id=str(object_id), summary="")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from audit.models import AuditEvent

    found = dict(AuditEvent.objects.values_list("object_type", "patient_id"))
    assert found == {"patients.patient": patient.pk, "patients.plan": patient.pk, "accounts.clinic": None}
