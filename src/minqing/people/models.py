import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("调度员")
    OPERATOR = "operator", _("接诉员")
    HANDLER = "handler", _("承办人")
    SUPERVISOR = "supervisor", _("督办员")
    LEADER = "leader", _("领导")
    RETURN_VISITOR = "return_visitor", _("回访员")
    CADRE = "cadre", _("干部/网格员")
    ADMIN = "admin", _("管理员")
    SURVEYOR = "surveyor", _("测评员")
    PARTNER = "partner", _("社区合伙人")


class Rank(models.TextChoices):
    NONE = "", _("无")
    STAFF = "staff", _("科员")
    SECTION = "section", _("科级")
    DIVISION = "division", _("处级")
    BUREAU = "bureau", _("厅级")


RANK_ORDER = ["", "staff", "section", "division", "bureau"]


class Membership(models.Model):
    """One role of one user, scoped to a region or a department."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT)
    department = models.ForeignKey("regions.Department", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region", "department"], name="uniq_membership"),
        ]

    def __str__(self):
        scope = self.department or self.region or "-"
        return f"{self.user} {self.get_role_display()} @ {scope}"


class Profile(models.Model):
    """What a cadre is beyond a login: display name, unit, rank, phone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    unit = models.CharField(_("单位"), max_length=100, blank=True)
    rank = models.CharField(_("职级"), max_length=10, choices=Rank.choices, blank=True, default="")
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    home_region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self):
        return self.display_name or self.user.username


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for an API client; only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def issue(cls, user, name=""):
        raw = "mq_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
        return token, raw

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class NoticeKind(models.TextChoices):
    """What a notice tells its person (minqing.notices.core renders the text)."""

    ASSIGNED = "assigned", _("新交办")
    SUMMONED = "summoned", _("吹哨")
    SUPERVISED = "supervised", _("督办")
    EXTENSION_DECIDED = "extension_decided", _("延期审批")
    YELLOW = "yellow", _("黄色预警")
    RED = "red", _("红色预警")
    REOPENED = "reopened", _("重办")
    TASK_ASSIGNED = "task_assigned", _("任务")
    RETURNED = "returned", _("退回")
    OVERDUE = "overdue", _("超期汇总")


class Notification(models.Model):
    """An in-app notice to one person, mostly about one case (minqing.notices.core writes them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30, choices=NoticeKind.choices)
    message = models.CharField(max_length=500)
    # the parameters of the kind's text, so that a page renders it in the reader's language
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("消息提醒")
        verbose_name_plural = _("消息提醒")
        indexes = [
            # one person's notices, newest first: the list walks this index and stops after a page
            models.Index(fields=["user", "-created_at", "-id"], name="notice_user_newest"),
            # the unread ones: the header's COUNT and the unread list (read_at IS NULL, then newest first)
            models.Index(fields=["user", "read_at", "-created_at", "-id"], name="notice_user_unread_newest"),
        ]


class ContactAccess(models.Model):
    """查看联系方式: one person revealed one case's contact data, with a reason.

    Written only by ``people.contact.reveal`` (web button and API alike); leaders
    and admins list them (``GET /api/v1/contact-access``, the admin)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="contact_accesses", verbose_name=_("查看人"))
    username = models.CharField(_("查看人"), max_length=150)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="contact_accesses", verbose_name=_("案件"))
    # a survey's call to a registered subject (household/enterprise) reveals its phone: then no case
    subject = models.ForeignKey("visits.Subject", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="contact_accesses", verbose_name=_("走访对象"))
    region_path = models.CharField(max_length=400, db_index=True)  # the case's, for scoping the log
    reason = models.CharField(_("查看事由"), max_length=200)
    via = models.CharField(_("途径"), max_length=10, default="web")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("联系方式查看记录")
        verbose_name_plural = _("联系方式查看记录")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.username} → {self.case_id or ('subject ' + str(self.subject_id))} @ {self.at:%Y-%m-%d %H:%M}"
