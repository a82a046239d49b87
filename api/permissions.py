"""Who may call which endpoint, by role. The one place the API checks roles.

Which *objects* a caller may see or change is not decided here: every viewset starts from
`Model.objects.visible_to(user)` / `changeable_by(user)`, so others' objects answer 404.
These classes only answer "may this kind of user use this endpoint at all?" (403 if not).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import IsAuthenticated


class _RolePermission(IsAuthenticated):
    roles: tuple[str, ...] = ()
    message = _("Your role does not give access to this.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and getattr(request.user, "role", "") in self.roles


class IsTherapist(_RolePermission):
    roles = ("therapist",)
    message = _("Only therapists can use this.")


class IsPatient(_RolePermission):
    roles = ("patient",)
    message = _("Only patients can use this.")


class IsPatientOrTherapist(_RolePermission):
    roles = ("patient", "therapist")
    message = _("Only patients and their therapists can use this.")


class ReadsReports(_RolePermission):
    roles = ("manager", "therapist")
    message = _("Only clinic managers and therapists can read reports.")


class ReadsAlerts(_RolePermission):
    """Safety alerts: a therapist reads (and acknowledges) their patients', a manager reads the clinic's."""

    roles = ("manager", "therapist")
    message = _("Only therapists and clinic managers can read safety alerts.")


class ExportsRecords(_RolePermission):
    """A patient's whole record (records.services): a clinic manager, for their clinic's patients."""

    roles = ("manager",)
    message = _("Only clinic managers can export a patient's record.")


class UsesLibrary(_RolePermission):
    """The exercise library and program templates: a clinic's therapists and managers."""

    roles = ("therapist", "manager")
    message = _("Only therapists and clinic managers use the exercise library.")


class ReadsMessages(_RolePermission):
    """A patient's message thread in the API's patient resources: their therapist reads and
    writes; a clinic manager reads where the clinic allows it (patients/access.py decides)."""

    roles = ("therapist", "manager")
    message = _("Only therapists and clinic managers can use this; patients use /api/v1/me/messages/.")
