"""满意度测评 / 群众评议: an independent sample of closed cases, called back by surveyors.

A ``Survey`` is a plan: a region, a window of closing days, a size per department and the
random seed its sample was drawn with (so the same data and seed draw the same sample).
Each sampled case is a ``SurveyItem`` (its department is the stratum it was drawn from);
a surveyor claims an item before calling (``caller``) and records one ``SurveyResponse``
per item. Nothing here changes a case: the survey stands beside the handlers' own return
visits, never in place of them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Survey(models.Model):
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, verbose_name=_("区划"))
    region_path = models.CharField(max_length=400, db_index=True, editable=False)
    date_from = models.DateField(_("起"))
    date_to = models.DateField(_("止"))
    per_department = models.PositiveIntegerField(_("每部门抽样数"))
    seed = models.BigIntegerField(_("随机种子"))
    subjects = models.PositiveIntegerField(_("走访对象抽样数"), default=0)
    title = models.CharField(_("名称"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("满意度测评")
        verbose_name_plural = _("满意度测评")

    def __str__(self):
        return self.title or f"#{self.pk} {self.region} {self.date_from}–{self.date_to}"


class SurveyItem(models.Model):
    """One sampled case — or one sampled registered subject (household/enterprise) — to call."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="survey_items")
    subject = models.ForeignKey("visits.Subject", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="survey_items")
    department = models.ForeignKey("regions.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="survey_calls")
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "case"], name="survey_item_case_once"),
            models.UniqueConstraint(fields=["survey", "subject"], name="survey_item_subject_once"),
            models.CheckConstraint(condition=(models.Q(case__isnull=False, subject__isnull=True)
                                              | models.Q(case__isnull=True, subject__isnull=False)),
                                   name="survey_item_case_xor_subject"),
        ]


class SurveyResponse(models.Model):
    """The one answer of one sampled case: reached with scores, or unreachable."""

    item = models.OneToOneField(SurveyItem, on_delete=models.CASCADE, related_name="response")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    surveyor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    reached = models.BooleanField(default=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # overall, 1–10
    satisfied = models.BooleanField(null=True)
    solved = models.PositiveSmallIntegerField(null=True, blank=True)  # 问题解决, 1–10
    attitude = models.PositiveSmallIntegerField(null=True, blank=True)  # 办理态度, 1–10
    timeliness = models.PositiveSmallIntegerField(null=True, blank=True)  # 办理时效, 1–10
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class SurveyEvent(models.Model):
    """The survey's own append-only log (planned, claimed, answered, unreachable)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="events")
    item = models.ForeignKey(SurveyItem, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=20)
    actor = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
