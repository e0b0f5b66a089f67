from django.contrib import admin

from .models import Survey, SurveyEvent, SurveyResponse


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Read-only: surveys are planned through the API, the results page or ``minqing survey plan``."""

    list_display = ("id", "title", "region", "date_from", "date_to", "per_department", "seed", "created_at")
    list_filter = ("region",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("survey", "item", "surveyor", "reached", "score", "satisfied", "at")
    list_filter = ("reached", "satisfied")
    raw_id_fields = ("item", "survey", "surveyor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SurveyEvent)
class SurveyEventAdmin(admin.ModelAdmin):
    list_display = ("survey", "action", "actor", "at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
