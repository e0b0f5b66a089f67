"""免申即享: policies that find the subjects (households, enterprises) they are for.

A policy's eligibility is a filter over ``visits.Subject``: its kind, tags (any of / all
of), a region and custom attributes (``Subject.extra``). Matches are computed from the
subjects as they are now (``eligibility.eligible``), so a subject imported, edited or
re-tagged is matched (or no longer matched) at once. A ``Delivery`` records that a subject
received the benefit, on a visit or directly; one per policy and subject.
Changes happen only in ``actions.py``; each writes a ``PolicyEvent``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Policy(models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("政策名称"), max_length=200)
    department = models.ForeignKey("regions.Department", on_delete=models.PROTECT, related_name="policies",
                                   verbose_name=_("主管部门"))
    benefit = models.TextField(_("享受内容"), blank=True, default="")
    kind = models.CharField(_("对象类型"), max_length=10)  # visits.SubjectKind
    tags_any = models.JSONField(_("任一标签"), default=list, blank=True)
    tags_all = models.JSONField(_("全部标签"), default=list, blank=True)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("区划"))
    region_path = models.CharField(max_length=400, default="", editable=False)
    attrs = models.JSONField(_("其他条件"), default=dict, blank=True)
    starts_on = models.DateField(_("开始"), null=True, blank=True)
    ends_on = models.DateField(_("结束"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("惠民政策")
        verbose_name_plural = _("惠民政策(免申即享)")

    def __str__(self):
        return f"{self.code} {self.name}"

    def active_on(self, day):
        return (self.starts_on is None or self.starts_on <= day) and (self.ends_on is None or day <= self.ends_on)


class Delivery(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="deliveries")
    subject = models.ForeignKey("visits.Subject", on_delete=models.CASCADE, related_name="policy_deliveries")
    visit = models.ForeignKey("visits.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    delivered_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True, default="")
    subject_region_path = models.CharField(max_length=400, default="", editable=False)

    class Meta:
        ordering = ["-delivered_at", "-id"]
        verbose_name = _("政策送达")
        verbose_name_plural = _("政策送达")
        constraints = [models.UniqueConstraint(fields=["policy", "subject"], name="uniq_policy_delivery")]


class PolicyEvent(models.Model):
    """Append-only: a policy created or changed, a delivery recorded."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
