from django.contrib import admin

from .models import (
    Alert,
    Patient,
    Plan,
    PlanExercise,
    PlanPause,
    PlanWeek,
    ProgressionNotice,
    ProgressionOverride,
    SessionLog,
)


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["__str__", "clinic", "therapist", "timezone", "created_at"]
    list_filter = ["clinic", "therapist"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "clinic", "therapist"]
    raw_id_fields = ["user", "therapist"]


class PlanWeekInline(admin.TabularInline):
    model = PlanWeek
    extra = 0
    fields = [
        "number",
        "title",
        "min_days_in_previous_week",
        "min_sessions_in_previous_week",
        "requires_therapist_confirmation",
    ]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "patient",
        "template",
        "version",
        "status",
        "start_date",
        "current_week",
        "progression_state",
        "approved_by",
        "approved_at",
    ]
    list_filter = ["status", "progression_state", "template", "patient__clinic"]
    search_fields = ["patient__user__username", "patient__user__last_name"]
    list_select_related = ["patient__user", "template", "approved_by"]
    raw_id_fields = ["patient", "previous_version", "created_by", "approved_by"]
    inlines = [PlanWeekInline]


@admin.register(PlanExercise)
class PlanExerciseAdmin(admin.ModelAdmin):
    list_display = ["exercise", "week", "target_hold_seconds", "target_reps"]
    list_select_related = ["exercise", "week__plan__patient__user"]
    raw_id_fields = ["week"]


@admin.register(PlanPause)
class PlanPauseAdmin(admin.ModelAdmin):
    list_display = ["plan", "paused_on", "resumed_on", "paused_by"]
    raw_id_fields = ["plan"]


@admin.register(SessionLog)
class SessionLogAdmin(admin.ModelAdmin):
    list_display = ["patient", "date", "week_number", "pain_before", "pain_after", "symptom_change"]
    list_filter = ["symptom_change", "patient__clinic"]
    search_fields = ["patient__user__username", "patient__user__last_name"]
    date_hierarchy = "date"
    list_select_related = ["patient__user"]
    raw_id_fields = ["patient", "plan"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "created_at", "acknowledged_at", "acknowledged_by"]
    list_filter = ["kind", "patient__clinic"]
    search_fields = ["patient__user__username", "patient__user__last_name", "message"]
    list_select_related = ["patient__user", "acknowledged_by"]
    raw_id_fields = ["patient", "plan", "session", "acknowledged_by"]


@admin.register(ProgressionOverride)
class ProgressionOverrideAdmin(admin.ModelAdmin):
    list_display = ["plan", "action", "from_week", "to_week", "effective_on", "created_by", "created_at"]
    list_filter = ["action"]
    raw_id_fields = ["plan", "created_by"]


@admin.register(ProgressionNotice)
class ProgressionNoticeAdmin(admin.ModelAdmin):
    """Read-only: notices are opened and closed by the progression evaluation alone."""

    list_display = ["plan", "week", "opened_at", "closed_at", "close_reason"]
    search_fields = ["plan__patient__user__username", "plan__patient__user__last_name", "message"]
    list_select_related = ["plan__patient__user", "plan__template"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
