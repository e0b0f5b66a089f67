from django.contrib import admin

from .models import ApiToken, Membership, Notification, Profile


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "region", "department")
    list_filter = ("role",)
    raw_id_fields = ("user", "region", "department")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "unit", "rank")
    raw_id_fields = ("user", "home_region")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix")


admin.site.register(Notification)
