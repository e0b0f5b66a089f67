from django.contrib import admin

from .models import Checklist, ChecklistItem, Patrol, PatrolItem


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ("code", "text", "category", "active", "position")


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    """检查表 and their items are configuration: editable here."""

    list_display = ("code", "name", "place_type", "active", "position")
    list_filter = ("place_type", "active")
    search_fields = ("code", "name")
    inlines = [ChecklistItemInline]


class PatrolItemInline(admin.TabularInline):
    model = PatrolItem
    extra = 0
    can_delete = False
    readonly_fields = ("item", "ok", "note", "case")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Patrol)
class PatrolAdmin(admin.ModelAdmin):
    """Read-only: patrols are recorded through the actions layer (the page and the API)."""

    list_display = ("date", "checklist", "region", "cadre", "hazards")
    list_filter = ("checklist",)
    inlines = [PatrolItemInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
