from django.contrib import admin

from .models import Exercise, ProgramTemplate, ProgramWeek, WeekExercise


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["name", "per_side", "hold_seconds_min", "hold_seconds_max", "reps_min", "reps_max"]
    list_filter = ["per_side"]
    search_fields = ["name", "slug", "instructions"]
    prepopulated_fields = {"slug": ["name"]}


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
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProgramWeekInline]
