from django.contrib import admin
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Exercise, ExerciseIllustration, ProgramTemplate, ProgramWeek, WeekExercise


class ExerciseIllustrationInline(admin.TabularInline):
    """The drawings a shipped program brings: shown, not edited here (`manage.py load_programs`)."""

    model = ExerciseIllustration
    extra = 0
    can_delete = False
    fields = ["order", "frame", "picture", "alt_text", "static_path"]
    readonly_fields = fields
    verbose_name_plural = _(
        "Drawings shipped with the program (read-only; an uploaded illustration is shown instead)"
    )

    @admin.display(description=_("picture"))
    def picture(self, obj: ExerciseIllustration) -> str:
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            obj.url,
            obj.alt_text,
            obj.width,
            obj.height,
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    inlines = [ExerciseIllustrationInline]
    list_display = [
        "name",
        "clinic",
        "per_side",
        "hold_seconds_min",
        "hold_seconds_max",
        "reps_min",
        "reps_max",
    ]
    list_filter = ["clinic", "per_side", "body_position", "equipment"]
    search_fields = ["name", "slug", "instructions"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class WeekExerciseInline(admin.TabularInline):
    model = WeekExercise
    extra = 0
    autocomplete_fields = ["exercise"]


@admin.register(ProgramWeek)
class ProgramWeekAdmin(admin.ModelAdmin):
    list_display = ["template", "number", "title", "requires_therapist_confirmation"]
    list_filter = ["template"]
    inlines = [WeekExerciseInline]


class ProgramWeekInline(admin.StackedInline):
    model = ProgramWeek
    extra = 0
    show_change_link = True


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "slug", "is_active"]
    list_filter = ["clinic", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProgramWeekInline]
