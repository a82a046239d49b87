"""What several apps' models share."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeStamped(models.Model):
    """`updated_at`: when the row was last saved, for exports that send only what changed since a
    moment (FHIR `_since`). Every save() writes it, also one that names its `update_fields` (Django
    writes an auto_now field only when it is named): no caller has to remember it. A bulk
    QuerySet.update() does not; none changes what an export shows."""

    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)
