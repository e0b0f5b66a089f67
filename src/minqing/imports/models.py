"""An import started on the page (``ImportJob``), the column mapping a person chose last
time for a kind (``ImportMapping``), and the audit trail of the admin pages and imports
(``AdminEvent``: who did what to whom, written by the actions in the same transaction)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("待确认列")
    CHECK_QUEUED = "check_queued", _("排队校验")
    CHECKING = "checking", _("校验中")
    CHECKED = "checked", _("已校验")
    QUEUED = "queued", _("排队导入")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# the statuses a worker picks up, and the one it moves each to while working
CLAIMABLE = {Status.CHECK_QUEUED: Status.CHECKING, Status.QUEUED: Status.RUNNING}
WORKING = {Status.CHECKING: Status.CHECK_QUEUED, Status.RUNNING: Status.QUEUED}


class ImportJob(models.Model):
    kind = models.CharField(_("类型"), max_length=20)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(_("文件名"), max_length=200)
    upload = models.CharField(max_length=300)  # the stored file, relative to the imports directory
    columns = models.JSONField(default=list)  # the file's header
    total_rows = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(default=dict)  # our field -> the file's column
    skip_bad = models.BooleanField(_("跳过错误行"), default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)  # the last sign of life of the claim
    finished_at = models.DateTimeField(null=True, blank=True)
    errors = models.JSONField(default=list)  # [[row, column, message], …] (the first MAX_ERRORS)
    error_count = models.PositiveIntegerField(default=0)
    bad_rows = models.JSONField(default=list)  # every rejected row number
    message = models.TextField(blank=True)  # a file-level error
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("导入")
        verbose_name_plural = _("导入")

    def __str__(self):
        return f"{self.kind} {self.filename} ({self.status})"


class ImportMapping(models.Model):
    """The mapping a person chose for a kind, offered again next time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_mappings")
    kind = models.CharField(max_length=20)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="uniq_import_mapping")]


class AdminEvent(models.Model):
    """Append-only: an admin page's or an import's change (staff added, role given, password reset…)."""

    action = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    target = models.CharField(max_length=150, blank=True)  # a username or an import's id
    at = models.DateTimeField(default=timezone.now, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("events are append-only")
        super().save(*args, **kwargs)


def record(actor, action, target, **data):
    """Write one event (inside the caller's transaction)."""
    return AdminEvent.objects.create(action=action, actor=getattr(actor, "user", None),
                                     actor_label=getattr(actor, "label", "")[:150], target=str(target)[:150],
                                     data=data)
