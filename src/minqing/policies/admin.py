from django.contrib import admin

from .models import Delivery, Policy


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    """Read-only here: policies are published through the API or ``minqing import policies``
    (policies.actions checks their eligibility)."""

    list_display = ("code", "name", "department", "kind", "region", "starts_on", "ends_on")
    search_fields = ("code", "name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("policy", "subject", "delivered_by", "delivered_at", "visit")
    search_fields = ("policy__code", "subject__external_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
