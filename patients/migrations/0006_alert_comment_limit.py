"""Acknowledgement comments are 2,000 characters at most, as the service, forms and API say.

Comments stored longer before the limit are shortened first (their full text stays in the
audit row written when the alert was acknowledged), so the constraint can be added.
"""

import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models

LIMIT = 2000


def shorten_long_comments(apps, schema_editor):
    Alert = apps.get_model("patients", "Alert")
    long = Alert.objects.annotate(n=django.db.models.functions.text.Length("acknowledgement_comment")).filter(
        n__gt=LIMIT
    )
    for alert in long.iterator():
        alert.acknowledgement_comment = alert.acknowledgement_comment[: LIMIT - 1] + "…"
        alert.save(update_fields=["acknowledgement_comment"])


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0005_progression_periods"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(shorten_long_comments, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="alert",
            name="acknowledgement_comment",
            field=models.TextField(blank=True, max_length=LIMIT, verbose_name="comment"),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("acknowledgement_comment"), LIMIT
                ),
                name="alert_comment_max_length",
                violation_error_message="An acknowledgement comment is 2,000 characters at most.",
            ),
        ),
    ]
