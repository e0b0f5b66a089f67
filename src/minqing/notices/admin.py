from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from minqing.people.scoping import mask_phone

from . import outbox
from .models import MessageTemplate, Outbound


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "subject", "active", "updated_at")
    readonly_fields = ("key",)

    def has_add_permission(self, request):
        return False  # the keys are the ones the code sends; their texts are edited here

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Outbound)
class OutboundAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "shown_recipient", "purpose", "status", "attempts", "next_attempt_at",
                    "last_error", "created_at", "sent_at")
    list_filter = ("status", "channel", "purpose")
    exclude = ("recipient", "claimed_by", "claimed_at")
    readonly_fields = ("channel", "shown_recipient", "subject", "body", "purpose", "user", "case", "status",
                       "attempts", "next_attempt_at", "last_error", "created_at", "sent_at")
    actions = ["send_again"]

    @admin.display(description=_("收件人"))
    def shown_recipient(self, obj):
        return mask_phone(obj.recipient) if obj.channel == Outbound.SMS else obj.recipient

    @admin.action(description=_("重新发送"))
    def send_again(self, request, queryset):
        n = outbox.retry(queryset)
        self.message_user(request, _("%(n)d 条消息将重新发送。") % {"n": n})

    def has_add_permission(self, request):
        return False
