from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Clinic, DeviceToken, User
from .services import EndReason, end_all_sessions


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "clinic", "is_active", "last_login"]
    list_filter = ["role", "clinic", "is_active", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["clinic"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Clinic and role"), {"fields": ["clinic", "role"]}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Clinic and role"), {"fields": ["clinic", "role"]}),
    )

    def save_model(self, request, obj, form, change):
        """Deactivating an account (unticking "active") ends all of its logins at once."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and "is_active" in form.changed_data and not obj.is_active:
                end_all_sessions(user=obj, by=request.user, reason=EndReason.DEACTIVATED)

    def user_change_password(self, request, id, form_url=""):
        """The admin's "change password" for a user: every login of theirs ends with the old
        password (the operator's own session stays when it is their own password)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:  # saved
                user = self.get_object(request, unquote(id))
                end_all_sessions(user=user, by=request.user, reason=EndReason.PASSWORD_CHANGED)
                if user.pk == request.user.pk:
                    update_session_auth_hash(request, user)
        return response


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    """API logins, for site operators: seen and ended, never made here (the token is shown only
    to the device that asked for it) and never edited."""

    list_display = ["user", "name", "created", "last_used", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    fields = ["user", "name", "created", "last_used", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
