from django.contrib import admin

from .models import BillingCode, TreatmentTime


@admin.register(BillingCode)
class BillingCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "description", "min_days", "max_days", "period_days", "minutes", "active"]
    list_filter = ["kind", "active"]


@admin.register(TreatmentTime)
class TreatmentTimeAdmin(admin.ModelAdmin):
    list_display = ["patient", "day", "minutes", "performed_by", "by_assistant", "interactive"]
    list_select_related = ["patient__user"]
    readonly_fields = ["recorded_by", "recorded_at"]
    raw_id_fields = ["patient"]
