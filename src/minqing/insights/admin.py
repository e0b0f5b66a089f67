from django.contrib import admin

from .models import RoutingRule, TrainedModel


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
