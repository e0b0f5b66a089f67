from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outbound(models.Model):
    """One e-mail or SMS to send. Written in the transaction of the event that causes it
    (so it exists exactly when the event does); the worker claims, sends and retries it."""

    EMAIL, SMS = "email", "sms"
    CHANNELS = [(EMAIL, _("电子邮件")), (SMS, _("短信"))]
    PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
    STATUSES = [(PENDING, _("待发送")), (SENDING, _("发送中")), (SENT, _("已发送")), (FAILED, _("多次失败，已停止"))]

    channel = models.CharField(_("渠道"), max_length=10, choices=CHANNELS)
    recipient = models.CharField(_("收件人"), max_length=254)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    purpose = models.CharField(_("用途"), max_length=40, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=STATUSES, default=PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_due")]

    def __str__(self):
        return f"{self.channel} #{self.pk} {self.status}"


class MessageTemplate(models.Model):
    """The text of an outward message; ``{name}`` placeholders (see ``core.TEMPLATE_DEFAULTS``)."""

    key = models.CharField(_("用途"), max_length=40, unique=True)
    subject = models.CharField(_("主题（邮件）"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")

    def __str__(self):
        return self.key
