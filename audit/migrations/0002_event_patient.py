import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def patients_fill(apps, schema_editor):
    """Events written before the column: the patient from the record they are about."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    Plan = apps.get_model("patients", "Plan")
    Alert = apps.get_model("patients", "Alert")
    events = AuditEvent.objects.filter(patient__isnull=True)
    events.filter(object_type="patients.patient").update(
        patient_id=models.functions.Cast("object_id", models.BigIntegerField())
    )
    for object_type, model in (("patients.plan", Plan), ("patients.alert", Alert)):
        # object_id is text; compare it with the record's id as text, on any database.
        owner = model.objects.annotate(
            key=models.functions.Cast("pk", models.CharField(max_length=64))
        ).filter(key=OuterRef("object_id"))
        events.filter(object_type=object_type).update(patient_id=Subquery(owner.values("patient_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("patients", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="patients.patient",
            ),
        ),
        migrations.RunPython(patients_fill, migrations.RunPython.noop, elidable=True),
    ]
