from django.db import migrations

from billing.defaults import codes_load


def load(apps, schema_editor):
    codes_load(apps.get_model("billing", "BillingCode"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_codes_and_treatment_time")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
