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
    """A login answering for a partner: saved through the action, which adds the ``partner`` role."""

    list_display = ("user", "partner")

    def save_model(self, request, obj, form, change):
        from minqing.people.scoping import Actor

        from .actions import do_link_contact

        do_link_contact(Actor.for_user(request.user), user=obj.user, partner=obj.partner)
