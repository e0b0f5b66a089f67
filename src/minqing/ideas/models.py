"""金点子: suggestion campaigns (人民建议征集), their submissions and the review of each,
and 金果子 (typical solved cases with a public write-up).

``Campaign`` and ``CampaignCase`` were born in the ``web`` app; they moved here with a
state-only migration (``ideas/migrations/0001``): their tables keep the names
``web_campaign`` and ``web_campaigncase`` so that no row moves.

Every change goes through ``ideas/actions.py`` (``do_*``), each writing its
``CampaignEvent`` in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    """人民建议征集 / 金点子: a call for suggestions with its own QR code.

    The QR code opens the public form with the campaign's kind, category and
    place prefilled; cases raised through it are linked here.
    """

    slug = models.SlugField(_("标识"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT)
    category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(_("诉求类型"), max_length=12, default="suggestion")
    active = models.BooleanField(_("进行中"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    starts = models.DateField(_("开始日期"), null=True, blank=True)
    ends = models.DateField(_("结束日期"), null=True, blank=True)
    categories = models.ManyToManyField("cases.Category", blank=True, related_name="campaigns",
                                        verbose_name=_("征集类别"))
    target_groups = models.CharField(_("征集对象"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "web_campaign"
        ordering = ["-created_at", "slug"]
        verbose_name = _("征集活动")
        verbose_name_plural = _("征集活动")

    def __str__(self):
        return self.title

    def is_open(self, day=None):
        day = day or timezone.localdate()
        return self.active and (self.starts is None or self.starts <= day) and (self.ends is None or day <= self.ends)


class Review(models.TextChoices):
    PENDING = "pending", _("待审")
    ADOPTED = "adopted", _("已采纳")
    MERGED = "merged", _("已合并")
    ANSWERED = "answered", _("已答复")


class CampaignCase(models.Model):
    """One submission: a case raised through the campaign, and its review."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="links")
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="campaign_link")
    status = models.CharField(_("审阅状态"), max_length=10, choices=Review.choices, default=Review.PENDING)
    topic = models.CharField(_("主题"), max_length=100, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_links")
    answer = models.TextField(_("答复"), blank=True)
    outcome = models.TextField(_("落实情况"), blank=True)
    implemented = models.BooleanField(_("已落实"), default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    version = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "web_campaigncase"


class CampaignEvent(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    link = models.ForeignKey(CampaignCase, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class TypicalCase(models.Model):
    """金果子: a closed case a dispatcher or leader marked as typical, with a short public write-up."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="typical")
    title = models.CharField(_("标题"), max_length=100)
    writeup = models.TextField(_("简介"))
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-marked_at", "-id"]


class TypicalEvent(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)
