from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Clinic, DeviceToken, EmailChange, User
from .services import EndReason, email_change_request, end_all_sessions
from .usernames import USERNAME_TAKEN, username_normalize, username_taken


class UsernameRuleMixin:
    """The admin's add and change forms store a username NFKC-normalised and refuse one taken
    ignoring case (compared as the database compares), with the portal's and the API's words."""

    def clean_username(self):
        username = username_normalize(self.cleaned_data["username"])
        if username_taken(username, exclude_pk=self.instance.pk):
            raise forms.ValidationError(USERNAME_TAKEN, code="unique")
        return username


class UserAddForm(UsernameRuleMixin, AdminUserCreationForm):
    pass


class UserEditForm(UsernameRuleMixin, UserChangeForm):
    pass


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    form = UserEditForm
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
        """Deactivating an account (unticking "active") ends all of its logins at once. A new
        address for an existing login waits for its owner's confirmation here too
        (accounts.services): the old one stays in force and is told."""
        new_email = obj.email
        email_changes = change and "email" in form.changed_data
        if email_changes:
            obj.email = form.initial.get("email", "")
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and "is_active" in form.changed_data and not obj.is_active:
                end_all_sessions(user=obj, by=request.user, reason=EndReason.DEACTIVATED)
            waiting = (
                email_change_request(
                    user=obj, new_email=new_email, by=request.user, base_url=request.build_absolute_uri("/")
                )
                if email_changes
                else None
            )
        if waiting is not None:
            messages.info(
                request,
                _(
                    "A confirmation link was sent to %(email)s. "
                    "The address changes once its owner confirms it."
                )
                % {"email": waiting.new_email},
            )

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


@admin.register(EmailChange)
class EmailChangeAdmin(admin.ModelAdmin):
    """New addresses waiting for confirmation: a site operator may read or withdraw one."""

    list_display = ["user", "new_email", "requested_by", "requested_at"]
    search_fields = ["user__username", "new_email"]
    list_select_related = ["user", "requested_by"]
    readonly_fields = ["user", "new_email", "requested_by", "requested_at"]

    def has_add_permission(self, request):
        return False
