from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Clinic, User


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
