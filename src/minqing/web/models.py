"""What the pages need beyond the cases: suggestion campaigns with a QR code,
and the idempotency record that makes a double-submitted form create one case."""

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

    class Meta:
        ordering = ["-created_at", "slug"]
        verbose_name = _("征集活动")
        verbose_name_plural = _("征集活动")

    def __str__(self):
        return self.title


class CampaignCase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="links")
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="campaign_link")


class FormSubmission(models.Model):
    """One public form submission: its token (issued with the form) → the case it created."""

    token = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
