from django.contrib import admin

from .models import Partner, PartnerContact


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region", "contact", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    exclude = ("meetings",)


@admin.register(PartnerContact)
class PartnerContactAdmin(admin.ModelAdmin):
    list_display = ("user", "partner")
