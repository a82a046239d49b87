from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import Clinic, EmailChange, User
from .services import email_change_request
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
        """A new address for an existing login waits for its owner's confirmation here too
        (accounts.services): the old one stays in force and is told."""
        new_email = obj.email
        email_changes = change and "email" in form.changed_data
        if email_changes:
            obj.email = form.initial.get("email", "")
        super().save_model(request, obj, form, change)
        if email_changes:
            waiting = email_change_request(
                user=obj, new_email=new_email, by=request.user, base_url=request.build_absolute_uri("/")
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


@admin.register(EmailChange)
class EmailChangeAdmin(admin.ModelAdmin):
    """New addresses waiting for confirmation: a site operator may read or withdraw one."""

    list_display = ["user", "new_email", "requested_by", "requested_at"]
    search_fields = ["user__username", "new_email"]
    list_select_related = ["user", "requested_by"]
    readonly_fields = ["user", "new_email", "requested_by", "requested_at"]

    def has_add_permission(self, request):
        return False
