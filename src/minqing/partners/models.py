"""社区合伙人: organisations of a region that take part in the closed loop — they own tasks, attend joint
meetings, are summoned (吹哨) and claim residents' small wishes (微心愿).

A partner's contact person logs in with the role ``partner`` (``people.Role.PARTNER``) and a
``PartnerContact`` row naming the partner; changes happen only in ``minqing.partners.actions``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    PROPERTY = "property", _("物业公司")
    OWNERS = "owners", _("业主委员会")
    RESIDENTS = "residents", _("居民委员会")
    VOLUNTEERS = "volunteers", _("志愿服务队")
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL = "social", _("社会组织")


class Partner(models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=PartnerKind.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="partners",
                               verbose_name=_("区划"))
    region_path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    meetings = models.ManyToManyField("cases.JointMeeting", blank=True, related_name="partners")

    class Meta:
        ordering = ["region_path", "code"]
        verbose_name = _("社区合伙人")
        verbose_name_plural = _("社区合伙人")

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)

    def __str__(self):
        return self.name


class PartnerContact(models.Model):
    """The login of a partner's contact person (with a ``partner`` membership)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_contact")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")

    def __str__(self):
        return f"{self.user} → {self.partner}"


class PartnerSummons(models.Model):
    """吹哨 to a partner: summoned to a case, and its report (报到)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="partner_summons")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="summons")
    deadline = models.DateField(null=True, blank=True)
    summoned_at = models.DateTimeField(default=timezone.now)
    reported_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "partner"], name="uniq_partner_summons")]


class Wish(models.Model):
    """微心愿: a resident's small wish (a case of kind ``wish``) that a partner or a cadre claims and fulfils."""

    OPEN, CLAIMED, FULFILLED = "open", "claimed", "fulfilled"
    STATUSES = [(OPEN, _("待认领")), (CLAIMED, _("已认领")), (FULFILLED, _("已实现"))]

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="wish")
    region_path = models.CharField(max_length=400, db_index=True, default="")
    status = models.CharField(_("状态"), max_length=10, choices=STATUSES, default=OPEN)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="wishes")
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
