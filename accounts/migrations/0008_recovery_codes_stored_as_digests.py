import hashlib
from base64 import b32encode

from django.db import migrations

import accounts.models


def digest(code: str) -> str:
    """accounts.two_factor.recovery_code_digest as it was written with this migration (copied:
    a migration keeps working whatever the code becomes)."""
    normalised = "".join(code.split()).replace("-", "").lower()
    return b32encode(hashlib.sha256(normalised.encode()).digest()).decode()[:16].lower()


def store_digests(apps, schema_editor):
    """Recovery codes made before this migration were kept as they were shown; keep their digest
    instead. The codes people hold keep working."""
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().only("pk", "token"):
        StaticToken.objects.filter(pk=token.pk).update(token=digest(token.token))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_user_language"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", accounts.models.ClinicUserManager()),
            ],
        ),
        # A digest cannot be turned back into its code: going back leaves the digests, which no
        # longer match what people type; they make new codes from their two-factor page.
        migrations.RunPython(store_digests, migrations.RunPython.noop),
    ]
