"""Intake channels: Open311 clients and service definitions, and webhooks.

- ``Open311Client``: an API key per client system (only its hash is kept).
- ``Jurisdiction``: a region served as an Open311 jurisdiction (``jurisdiction_id``
  is the region's code). Without rows, every root region is a jurisdiction.
- ``Service`` (a proxy of ``cases.Category``) with its ``ServiceAttribute`` rows:
  the GeoReport service definition, edited in the admin per category.
- ``Open311Submission``: what an Open311 client sent along with a case
  (attributes, token, account and device ids, media url).
- ``WebhookSubscriber``, ``WebhookOutbox``, ``WebhookDelivery``: other systems
  subscribe to case events; every event gets one outbox row in the transaction
  that wrote it, the worker fans it out to deliveries and sends them signed.
"""

import hashlib
import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minqing.cases.models import Case, Category


def hash_key(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class Open311Client(models.Model):
    name = models.CharField(_("客户端名称"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("密钥前缀"), max_length=10, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self):
        return self.revoked_at is None

    @classmethod
    def issue(cls, name, note=""):
        """Create a client and return (client, raw key); the raw key is shown once."""
        raw = "o311_" + secrets.token_urlsafe(30)
        client = cls.objects.create(name=name, key_hash=hash_key(raw), prefix=raw[:9], note=note)
        return client, raw

    def rotate(self):
        raw = "o311_" + secrets.token_urlsafe(30)
        self.key_hash, self.prefix, self.revoked_at = hash_key(raw), raw[:9], None
        self.save(update_fields=["key_hash", "prefix", "revoked_at"])
        return raw

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    @classmethod
    def authenticate(cls, raw):
        if not raw or len(raw) > 200:
            return None
        return cls.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True).first()


class Jurisdiction(models.Model):
    region = models.OneToOneField("regions.Region", on_delete=models.CASCADE, verbose_name=_("区划"))
    contact = models.CharField(_("联系方式"), max_length=200, blank=True)
    key_service = models.CharField(_("申请密钥方式"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Open311 辖区")
        verbose_name_plural = _("Open311 辖区")

    def __str__(self):
        return str(self.region)


class Service(Category):
    """A category as an Open311 service, with its definition's attributes."""

    class Meta:
        proxy = True
        verbose_name = _("Open311 服务")
        verbose_name_plural = _("Open311 服务")


class Datatype(models.TextChoices):
    STRING = "string", _("短文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("长文本")
    SINGLEVALUELIST = "singlevaluelist", _("单选")
    MULTIVALUELIST = "multivaluelist", _("多选")


class ServiceAttribute(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="open311_attributes")
    code = models.CharField(_("编码"), max_length=64)
    variable = models.BooleanField(_("需要填写"), default=True, help_text=_("否：仅作说明，不收集数据"))
    datatype = models.CharField(_("数据类型"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("必填"), default=False)
    datatype_description = models.CharField(_("格式说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    description = models.TextField(_("提示"))
    values = models.JSONField(
        _("可选值"), default=list, blank=True, help_text=_('列表：[{"key": "k", "name": "名称"}, …]')
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("服务属性")
        verbose_name_plural = _("服务属性")
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="uniq_service_attribute")]

    def __str__(self):
        return f"{self.category.code}.{self.code}"

    def value_keys(self):
        return [str(v.get("key")) for v in (self.values or []) if isinstance(v, dict)]


class Open311Submission(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="open311")
    client = models.ForeignKey(Open311Client, null=True, on_delete=models.SET_NULL)
    token = models.CharField(max_length=40, unique=True)
    jurisdiction = models.CharField(max_length=32, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=200, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)


# ---- webhooks ----------------------------------------------------------------------


def _secret():
    return secrets.token_hex(24)


class WebhookSubscriber(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100, default=_secret)
    actions = models.JSONField(
        _("订阅的动作"), default=list, blank=True, help_text=_("为空则订阅全部，例如 [\"register\", \"handle\"]")
    )
    include_private = models.BooleanField(_("包含内部事件"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    paused_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")

    def __str__(self):
        return self.name

    def wants(self, action, public):
        if not public and not self.include_private:
            return False
        return not self.actions or action in self.actions


class WebhookOutbox(models.Model):
    """One row per case event, written in the event's transaction; the worker
    turns it into deliveries for the subscribers and deletes it."""

    event_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)


class WebhookDelivery(models.Model):
    PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
    STATUSES = [(PENDING, _("待发送")), (DELIVERED, _("已送达")), (FAILED, _("放弃"))]

    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscriber = models.ForeignKey(WebhookSubscriber, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField()
    action = models.CharField(max_length=24)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # the worker sending it (intake/webhooks.py claims with a conditional UPDATE; a claim
    # older than webhooks.CLAIM_LEASE is a dead worker's and is taken over)
    claimed_by = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        constraints = [models.UniqueConstraint(fields=["subscriber", "event_id"], name="uniq_delivery")]
