from django.contrib import admin

from .models import AdminEvent, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "filename", "created_by", "status", "total_rows", "error_count", "created_at")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in ImportJob._meta.fields]


@admin.register(AdminEvent)
class AdminEventAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor_label", "target")
    list_filter = ("action",)
    readonly_fields = ("at", "action", "actor", "actor_label", "target", "data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
