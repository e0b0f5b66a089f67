from django.contrib import admin

from .models import RoutingRule, TaskForce, TaskForceNote, TrainedModel


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "region", "department", "priority", "note")
    list_filter = ("category",)
    autocomplete_fields = ()
    search_fields = ("category__name", "department__name", "region__name")


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    list_display = ("kind", "trained_at", "n_samples", "path")
    readonly_fields = ("kind", "path", "trained_at", "n_samples", "classes", "metrics", "trained_by")

    def has_add_permission(self, request):
        return False


class TaskForceNoteInline(admin.TabularInline):
    model = TaskForceNote
    extra = 0
    readonly_fields = ("at", "author_label", "text")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TaskForce)
class TaskForceAdmin(admin.ModelAdmin):
    """Read only: task forces change through ``insights.taskforces`` (pages and API), each with its event."""

    list_display = ("title", "lead", "due", "created_at")
    search_fields = ("title", "goal")
    readonly_fields = ("topic", "topic_key", "title", "category", "place", "phrase", "lead", "members", "due", "goal",
                       "created_by", "created_at", "version")
    inlines = (TaskForceNoteInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
