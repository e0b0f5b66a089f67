"""Rows the insight layer keeps beside the cases: what it read in each case's text,
the duplicate and search indexes, the routing table and the trained models.

Registration only writes one ``PendingIndex`` row (the receiver of
``event_recorded`` stays cheap); ``minqing.insights.indexing.catch_up`` reads
the pending cases and fills ``CaseInsight``, ``DupKey`` and ``SearchGram``. It
runs before every duplicate check and search, and in the worker.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PendingIndex(models.Model):
    """A case registered but not yet read by the insight layer."""

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+")
    # the indexer working on it (indexing.catch_up claims with a conditional UPDATE; a claim
    # older than indexing.CLAIM_LEASE is a dead worker's and is taken over). Database
    # defaults: the registration's raw INSERT names the case only.
    claimed_by = models.CharField(max_length=32, blank=True, db_default="", default="")
    claimed_at = models.DateTimeField(null=True, blank=True)


class CaseInsight(models.Model):
    """What the insight layer read in one case's text."""

    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="insight")
    norm_text = models.TextField()  # simplified, cleaned, lower-case: what search matches
    content = models.TextField(blank=True)  # the normalised text with the place names blanked out
    tokens = models.TextField(blank=True)  # content words, space-separated
    place_code = models.CharField(max_length=64, blank=True)  # the deepest place the text names
    place_key = models.CharField(max_length=64, blank=True)  # township (else county) used to block duplicates
    categories = models.JSONField(default=list, blank=True)  # suggested codes, best first
    category_scores = models.JSONField(default=list, blank=True)  # their scores, in the same order
    indexed_at = models.DateTimeField(default=timezone.now)


class DupKey(models.Model):
    """Blocking keys of the duplicate index: (place, MinHash band) and (place, category)."""

    key = models.BigIntegerField()
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["key", "case"], name="dupkey_key_case"),
            models.Index(fields=["case"], name="dupkey_case"),
        ]


class SearchGram(models.Model):
    """Full-text index: one row per distinct character bigram (or lone character) of a case's text."""

    gram = models.BigIntegerField()
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["gram", "case"], name="searchgram_gram_case"),
            models.Index(fields=["case"], name="searchgram_case"),
        ]


class RoutingRule(models.Model):
    """路由表: this category in this region (and below) goes to this department first."""

    category = models.ForeignKey("cases.Category", on_delete=models.CASCADE, verbose_name=_("问题分类"))
    region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("区域"),
        help_text=_("留空表示所有区域"),
    )
    department = models.ForeignKey("regions.Department", on_delete=models.CASCADE, verbose_name=_("主办部门"))
    priority = models.PositiveSmallIntegerField(_("优先级"), default=1, help_text=_("数字小者优先"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["category", "priority", "id"]
        verbose_name = _("路由规则")
        verbose_name_plural = _("路由表")
        constraints = [
            models.UniqueConstraint(fields=["category", "region", "department"], name="uniq_routing_rule"),
        ]

    def __str__(self):
        return f"{self.category} → {self.department}"


class TrainedModel(models.Model):
    """One training run of the category model; the file lives in the data directory."""

    kind = models.CharField(max_length=32, default="category")
    path = models.CharField(max_length=500)
    trained_at = models.DateTimeField(default=timezone.now)
    n_samples = models.PositiveIntegerField(default=0)
    classes = models.JSONField(default=list)
    metrics = models.JSONField(default=dict, blank=True)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")


class TaskForce(models.Model):
    """工作专班: a topic adopted as one piece of work — a lead department, member departments,
    a deadline and a goal (the policy or measure aimed at). Written only by
    ``insights.taskforces`` (one function per change, each with its ``TaskForceEvent``)."""

    topic = models.ForeignKey("cases.Topic", on_delete=models.PROTECT, related_name="taskforces",
                              verbose_name=_("专题"))
    topic_key = models.CharField(_("专题编号"), max_length=20, unique=True)  # topics.topic_id(): one per class
    title = models.CharField(_("名称"), max_length=200)
    category = models.ForeignKey("cases.Category", null=True, on_delete=models.PROTECT, verbose_name=_("问题分类"))
    place = models.ForeignKey("regions.Region", null=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("区域"))  # the lowest region covering the topic's cases
    phrase = models.CharField(max_length=50, blank=True)
    lead = models.ForeignKey("regions.Department", on_delete=models.PROTECT, related_name="led_taskforces",
                             verbose_name=_("牵头部门"))
    members = models.ManyToManyField("regions.Department", blank=True, related_name="taskforces",
                                     verbose_name=_("成员部门"))
    due = models.DateField(_("完成时限"))
    goal = models.TextField(_("目标"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("工作专班")
        verbose_name_plural = _("工作专班")

    def __str__(self):
        return self.title


class TaskForceNote(models.Model):
    """进展: one progress note of a task force."""

    taskforce = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("进展"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class TaskForceEvent(models.Model):
    """What happened to a task force (created, note), written in the same transaction as the change."""

    taskforce = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
