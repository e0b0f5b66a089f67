"""安全先锋行: safety patrols by cadres with a checklist per place type; every failed item is a hazard
that becomes a case (channel ``patrol``) handled through the closed loop.

Checklists and their items are edited in the Django admin (each item carries the case category its
hazard is filed under); patrols, their items and photos change only in ``minqing.patrols.actions``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlaceType(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SELF_BUILT = "self_built", _("自建房")
    SCHOOL = "school", _("学校")
    MARKET = "market", _("市场")
    OTHER = "other", _("其他场所")


class Checklist(models.Model):
    """检查表: what a patrol of one kind of place checks."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    place_type = models.CharField(_("场所类型"), max_length=12, choices=PlaceType.choices)
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    """检查项: one thing to check; a failed check becomes a case of ``category``."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("编码"), max_length=64)
    text = models.CharField(_("检查内容"), max_length=200)
    category = models.ForeignKey("cases.Category", on_delete=models.PROTECT, verbose_name=_("问题分类"))
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        constraints = [models.UniqueConstraint(fields=["checklist", "code"], name="uniq_checklist_item")]

    def __str__(self):
        return self.text


class Patrol(models.Model):
    """一次安全巡查: one cadre, one place (a region, optionally a registered subject), one checklist."""

    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols",
                              verbose_name=_("巡查干部"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="patrols",
                               verbose_name=_("区划"))
    region_path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    subject = models.ForeignKey("visits.Subject", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="patrols", verbose_name=_("对象"))
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="patrols",
                                  verbose_name=_("检查表"))
    date = models.DateField(_("日期"))
    notes = models.TextField(_("备注"), blank=True)
    client_key = models.CharField(max_length=64, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    hazards = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("安全巡查")
        verbose_name_plural = _("安全巡查")
        constraints = [
            # a retried POST with the same client key finds the first patrol instead of writing a second
            models.UniqueConstraint(fields=["recorded_by", "client_key"], condition=~Q(client_key=""),
                                    name="uniq_patrol_client_key"),
        ]

    def __str__(self):
        return f"{self.date} {self.checklist} @ {self.region}"


class PatrolItem(models.Model):
    """One checked item: passed, or failed with the case it became."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    ok = models.BooleanField()
    note = models.TextField(blank=True)
    case = models.OneToOneField("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="patrol_item")

    class Meta:
        ordering = ["id"]


class PatrolPhoto(models.Model):
    """A photo of a patrol (of one item when given), cleaned by ``minqing.images``."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(PatrolItem, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="patrols/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
