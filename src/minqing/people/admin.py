from django.contrib import admin

from .models import ApiToken, ContactAccess, Membership, Notification, Profile


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


@admin.register(ContactAccess)
class ContactAccessAdmin(admin.ModelAdmin):
    """The log is written by the application only: read-only here."""

    list_display = ("at", "username", "case", "reason", "via")
    list_filter = ("via",)
    search_fields = ("username", "reason", "case__tracking_code")
    date_hierarchy = "at"
    raw_id_fields = ("user", "case")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
