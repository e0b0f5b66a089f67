from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The archive, to look at (the worker writes it; a failed one is retried by the next run)."""

    list_display = ("period", "region", "start", "end", "status", "generated_at", "claimed_by", "error")
    list_filter = ("period", "status")
    search_fields = ("region__code", "region__name")
    exclude = ("docx", "pdf", "xlsx")
    readonly_fields = ("period", "region", "start", "end", "status", "claimed_by", "claimed_at", "generated_at",
                       "error", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("docx", "pdf", "xlsx").select_related("region")

    def has_add_permission(self, request):
        return False
