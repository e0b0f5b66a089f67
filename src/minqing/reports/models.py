"""An archived report: one per (period kind, region, period start), generated once."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    WEEK = "week", _("周报")
    MONTH = "month", _("月报")
    QUARTER = "quarter", _("季度通报")
    YEAR = "year", _("年度报告")


class Status(models.TextChoices):
    PENDING = "pending", _("待生成")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("失败")


class Report(models.Model):
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="reports")
    start = models.DateField(_("起"))
    end = models.DateField(_("止"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    docx = models.BinaryField(null=True, editable=False)
    pdf = models.BinaryField(null=True, editable=False)
    xlsx = models.BinaryField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start", "period", "region__code"]
        constraints = [models.UniqueConstraint(fields=["period", "region", "start"], name="uniq_report_period")]
        verbose_name = _("报告")
        verbose_name_plural = _("报告")

    def __str__(self):
        return f"{self.period} {self.region.code} {self.start}"


class ReportEvent(models.Model):
    """What happened to an archived report (claimed, generated, failed), in the same transaction."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    worker = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
