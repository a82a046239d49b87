"""What several apps' models share."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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


def submission_key() -> models.UUIDField:
    """The key of the form (or API request) a row was stored from (backcare.forms.SubmittedOnceForm):
    unique, so a form sent twice stores one row; empty for rows stored without one."""
    return models.UUIDField(_("submission"), null=True, blank=True, unique=True, editable=False)


def submitted_before(model: type[models.Model], submission, **owner: models.Model):
    """The `model` row stored earlier from `submission`, or None (always None without a key).
    The caller holds a lock that makes a second sending wait for the first. A key used for
    another patient or by another person is refused: a form is not replayed into another record."""
    if submission is None:
        return None
    earlier = model._default_manager.filter(submission=submission).first()
    if earlier is None:
        return None
    if any(getattr(earlier, f"{name}_id") != row.pk for name, row in owner.items()):
        raise ValidationError(
            {NON_FIELD_ERRORS: _("This form was already sent. Open it again to send something new.")}
        )
    return earlier
