from django.contrib import admin

from .models import ReminderSent, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["patient", "time", "days", "second_nudge", "updated_at"]
    list_select_related = ["patient__user"]
    raw_id_fields = ["patient"]


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    """What was sent, for looking up a patient's question ("why did I get two?"); never edited."""

    list_display = ["patient", "local_date", "kind", "channel", "sent_at"]
    list_filter = ["kind", "channel"]
    list_select_related = ["patient__user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
