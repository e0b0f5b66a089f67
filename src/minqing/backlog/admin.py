from django.contrib import admin

from .models import Agreement, Reception


@admin.register(Reception)
class ReceptionAdmin(admin.ModelAdmin):
    list_display = ("date", "leader", "region", "place")
    list_filter = ("date",)
    search_fields = ("place", "leader__username")
    raw_id_fields = ("cases",)
    readonly_fields = ("region_path", "created_by", "created_at")


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """Read-only: agreements are recorded through the page or the API (backlog.actions)."""

    list_display = ("case", "signed_on", "parties", "content_type", "size")
    search_fields = ("case__tracking_code", "parties")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
