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


class Notification(models.Model):
    """An in-app message: deadline alerts, supervision orders, assignments."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]
