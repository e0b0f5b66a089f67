"""包案 and the petition backlog: settlement agreements (息访协议) and reception days (固定接待日).

The owner of a case (包案领导) is ``cases.Case.leader``; taking and releasing a case are
``backlog.actions.do_own_case`` / ``do_release_case``, each with its ``cases.Event``
(``own`` / ``release``) in the same transaction. Changes happen only in ``actions.py``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Agreement(models.Model):
    """息访协议: a settlement signed with the petitioner, with its document (PDF or image)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="agreements",
                             verbose_name=_("案件"))
    signed_on = models.DateField(_("签订日期"))
    parties = models.CharField(_("协议各方"), max_length=500)
    summary = models.TextField(_("协议内容摘要"), blank=True, default="")
    document = models.FileField(_("协议文本"), upload_to="agreements/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    region_path = models.CharField(max_length=400, default="", editable=False, db_index=True)  # the case's

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("息访协议")
        verbose_name_plural = _("息访协议")

    def __str__(self):
        return f"{self.case_id} {self.signed_on}"


class Reception(models.Model):
    """固定接待日: a leader receives the public on a date at a place."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="receptions",
                               verbose_name=_("接待领导"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    region_path = models.CharField(max_length=400, default="", editable=False, db_index=True)
    date = models.DateField(_("接待日期"))
    place = models.CharField(_("接待地点"), max_length=200)
    note = models.CharField(_("说明"), max_length=500, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="receptions", verbose_name=_("接待登记的案件"))

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("固定接待日")
        verbose_name_plural = _("固定接待日")
        constraints = [models.UniqueConstraint(fields=["leader", "date", "place"], name="uniq_reception")]

    def __str__(self):
        return f"{self.date} {self.place}"
