from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AuditEventQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.is_manager:
            return self.filter(clinic_id=user.clinic_id)
        return self.none()


class AuditEvent(models.Model):
    """Who did what to which record, and when. Written by services, never edited by the app."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, null=True, related_name="+")
    # The patient the event is about (none for a clinic-wide one, such as a report export).
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    summary = models.CharField(_("summary"), max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.summary}"

    @classmethod
    def record(
        cls,
        *,
        actor,
        action: str,
        target: models.Model,
        clinic=None,
        patient=None,
        summary: str = "",
        data=None,
    ):
        return cls.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            clinic=clinic,
            patient=patient,
            action=action,
            object_type=target._meta.label_lower,
            object_id=str(target.pk),
            summary=(summary or str(target))[:300],
            data=data or {},
        )
