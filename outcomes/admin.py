from django.contrib import admin

from .models import Instrument, PlanOutcome, ProgramOutcomeDefault


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Read only: questionnaires are loaded from item files (manage.py load_instruments)."""

    list_display = ["name", "code", "version_label", "version", "is_current", "source", "loaded_at"]
    list_filter = ["code", "is_current", "source"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgramOutcomeDefault)
class ProgramOutcomeDefaultAdmin(admin.ModelAdmin):
    list_display = ["template", "instrument_code", "at_baseline", "every_weeks", "at_completion"]


admin.site.register(PlanOutcome)
