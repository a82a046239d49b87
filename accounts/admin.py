from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import Clinic, User
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
