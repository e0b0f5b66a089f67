from django.contrib import admin

from .models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "region", "category", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("slug", "title")
