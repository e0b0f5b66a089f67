from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import (
    Jurisdiction,
    Open311Client,
    Service,
    ServiceAttribute,
    WebhookDelivery,
    WebhookSubscriber,
)
from .webhooks import pause, resume


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "created_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "revoked_at")
    fields = ("name", "note", "prefix", "created_at", "revoked_at")
    actions = ["revoke_keys", "rotate_keys"]

    def save_model(self, request, obj, form, change):
        if not change:
            client, raw = Open311Client.issue(obj.name, note=obj.note)
            obj.pk, obj.key_hash, obj.prefix = client.pk, client.key_hash, client.prefix
            obj._state.adding = False
            self.message_user(request, f"API key（只显示一次 / shown once）: {raw}", messages.WARNING)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description=_("吊销密钥 / revoke"))
    def revoke_keys(self, request, queryset):
        for c in queryset:
            c.revoke()

    @admin.action(description=_("更换密钥 / rotate"))
    def rotate_keys(self, request, queryset):
        for c in queryset:
            self.message_user(request, f"{c.name}: {c.rotate()}", messages.WARNING)


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("region", "contact")
    raw_id_fields = ("region",)


class ServiceAttributeInline(admin.StackedInline):
    model = ServiceAttribute
    extra = 0
    fields = ("code", "order", "variable", "datatype", "required", "description", "datatype_description", "values")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """Each category as an Open311 service: its definition's attributes."""

    list_display = ("code", "name", "active")
    search_fields = ("code", "name")
    fields = ("code", "name", "description")
    readonly_fields = ("code", "name")
    inlines = [ServiceAttributeInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookSubscriber)
class WebhookSubscriberAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "active", "consecutive_failures", "paused_at", "paused_reason")
    actions = ["resume_subscribers", "pause_subscribers"]

    @admin.action(description=_("恢复 / resume"))
    def resume_subscribers(self, request, queryset):
        for s in queryset:
            resume(s)

    @admin.action(description=_("暂停 / pause"))
    def pause_subscribers(self, request, queryset):
        for s in queryset:
            pause(s, "paused in the admin")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("delivery_id", "subscriber", "action", "status", "attempts", "last_status", "next_attempt_at")
    list_filter = ("status", "subscriber")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
