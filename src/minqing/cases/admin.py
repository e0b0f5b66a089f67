from django.contrib import admin

from minqing.supervision.alerts import alert_level, shown_level_q

from .models import AlertLevel, Case, Category, Effect, Event, Task, Topic


class AlertLevelFilter(admin.SimpleListFilter):
    """The colour as the pages show it: live from the deadline while open, as it left otherwise."""

    title = "alert level"
    parameter_name = "alert"

    def lookups(self, request, model_admin):
        return AlertLevel.choices

    def queryset(self, request, queryset):
        return queryset.filter(shown_level_q(self.value())) if self.value() in AlertLevel.values else queryset


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
                    "alert", "registered_at")
    list_filter = ("state", "channel", AlertLevelFilter)
    search_fields = ("tracking_code", "text")
    inlines = [EventInline]
    list_select_related = ("category", "region", "lead_department")

    @admin.display(description="alert level")
    def alert(self, case):
        return alert_level(case.deadline) if case.is_open else case.alert_level

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Task)
admin.site.register(Effect)
admin.site.register(Topic)
