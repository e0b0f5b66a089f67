from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .actions import person
from .models import CoverageRule, Pairing, Subject, Tag, Visit


@admin.display(description=_("干部"))
def cadre_name(obj):
    name, unit = person(obj.cadre)
    return f"{name}（{unit}）" if unit else name


@admin.register(CoverageRule)
class CoverageRuleAdmin(admin.ModelAdmin):
    """Coverage rules are data: add, change or switch them off here."""

    list_display = ("name", "target", "tag", "region", "min_rank", "period", "starts_on", "ends_on", "active")
    list_filter = ("target", "period", "active")
    raw_id_fields = ("region",)


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("external_id", "kind", "name", "region", "credit_code")
    list_filter = ("kind",)
    search_fields = ("external_id", "name", "credit_code", "household_no")
    raw_id_fields = ("region",)


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):
    list_display = (cadre_name, "subject", "role", "since", "until")
    list_select_related = ("cadre__profile", "subject")
    raw_id_fields = ("cadre", "subject", "created_by")


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Read-only: visits are recorded through the visit form, the API or the CLI."""

    list_display = ("date", cadre_name, "method", "region")
    list_filter = ("method",)
    list_select_related = ("cadre__profile", "region")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # visits are a record; coverage figures and Subject.last_visit rely on them


admin.site.register(Tag)


from .models import FrequencyRule, VisitDay  # noqa: E402


@admin.register(FrequencyRule)
class FrequencyRuleAdmin(admin.ModelAdmin):
    """走访频次规则: a kind (and tag) visited at least N times a month; add, change or switch off here."""

    list_display = ("name", "kind", "tag", "region", "times", "active")
    list_filter = ("kind", "active")
    raw_id_fields = ("region",)


@admin.register(VisitDay)
class VisitDayAdmin(admin.ModelAdmin):
    list_display = ("date", "title", "region")
    raw_id_fields = ("region", "created_by")
    exclude = ("targets",)
