from django.contrib import admin

from .models import Case, Category, Effect, Event, Task, Topic


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent", "deadline_days", "active")
    search_fields = ("code", "name", "keywords")


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_state", "to_state", "actor_label", "at", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through the actions layer (the workbench pages and the API)."""

    list_display = ("tracking_code", "state", "channel", "category", "region", "lead_department", "deadline",
                    "alert_level", "registered_at")
    list_filter = ("state", "channel", "alert_level")
    search_fields = ("tracking_code", "text")
    inlines = [EventInline]
    list_select_related = ("category", "region", "lead_department")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Task)
admin.site.register(Effect)
admin.site.register(Topic)
