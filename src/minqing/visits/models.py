"""走访: who is visited (Subject), by whom (Pairing, Visit), and the rules that say how often.

State changes happen in ``minqing.visits.actions`` only.  Some columns are
copied ("denormalised") from the rows they describe so that coverage over a
province (tens of millions of subjects and visits) is a handful of scans:

- ``Subject.region_path`` is its region's materialised path;
- ``VisitSubject`` carries the visit's date and rank level and the subject's
  kind, region and path, so coverage never joins three tables.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minqing.people.models import RANK_ORDER, Rank


class SubjectKind(models.TextChoices):
    HOUSEHOLD = "household", _("户")
    ENTERPRISE = "enterprise", _("企业")


class Method(models.TextChoices):
    DOOR = "door", _("入户走访")
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    MEETING = "meeting", _("夜话/屋场会")


def rank_level(rank):
    """Position of a rank in people.models.RANK_ORDER ('' = 0, staff = 1 … bureau = 4)."""
    try:
        return RANK_ORDER.index(rank or "")
    except ValueError:
        return 0


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")

    def __str__(self):
        return self.name


class Subject(models.Model):
    """走访对象: a household or an enterprise, registered under a region (down to grid)."""

    external_id = models.CharField(_("编号"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=SubjectKind.choices)
    name = models.CharField(_("名称/户主"), max_length=200)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="subjects",
                               verbose_name=_("区划"))
    region_path = models.CharField(max_length=400, editable=False, default="")
    household_no = models.CharField(_("户号"), max_length=64, blank=True, default="")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    address = models.CharField(_("地址"), max_length=300, blank=True, default="")
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True, default="")
    phone = models.CharField(_("电话"), max_length=30, blank=True, default="")
    tags = models.ManyToManyField(Tag, through="SubjectTag", blank=True, related_name="subjects",
                                  verbose_name=_("标签"))
    extra = models.JSONField(_("其他信息"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # the latest visit's date, kept by actions.record_visit: coverage "to date" and days since the
    # last visit are then one index-only pass over the subjects instead of an aggregation of the visits
    last_visit = models.DateField(_("最近走访"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["region_path", "external_id"]
        verbose_name = _("走访对象")
        verbose_name_plural = _("走访对象")
        indexes = [
            models.Index(fields=["region_path", "kind", "last_visit"], name="subject_path_kind_last"),
            models.Index(fields=["household_no", "address"], name="subject_household"),
        ]

    def __str__(self):
        return f"{self.name}({self.external_id})"

    def save(self, *args, **kwargs):
        if self.region_id:
            self.region_path = self.region.path
        super().save(*args, **kwargs)


class SubjectTag(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "tag"], name="uniq_subject_tag")]
        indexes = [models.Index(fields=["tag", "subject"], name="subjecttag_tag")]


class Pairing(models.Model):
    """结对 / 红色管家 / 联系户: a cadre's standing responsibility for a subject."""

    class Role(models.TextChoices):
        PAIRED = "paired", _("结对帮扶")
        STEWARD = "steward", _("红色管家")
        CONTACT = "contact", _("联系户")

    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pairings",
                              verbose_name=_("干部"))
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="pairings",
                                verbose_name=_("走访对象"))
    role = models.CharField(_("结对方式"), max_length=10, choices=Role.choices, default=Role.PAIRED)
    since = models.DateField(_("开始"), default=timezone.localdate)
    until = models.DateField(_("结束"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["subject_id", "since"]
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        constraints = [
            models.UniqueConstraint(fields=["cadre", "subject", "role"], condition=models.Q(until__isnull=True),
                                    name="uniq_active_pairing"),
        ]

    def __str__(self):
        return f"{self.cadre} ↔ {self.subject}"


class Visit(models.Model):
    """走访: one contact of one cadre with one or more subjects (a meeting has many)."""

    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits",
                              verbose_name=_("干部"))
    cadre_rank = models.CharField(_("走访时职级"), max_length=10, choices=Rank.choices, blank=True, default="")
    rank_level = models.PositiveSmallIntegerField(default=0)
    date = models.DateField(_("走访日期"))
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="visits",
                               verbose_name=_("区划"))
    region_path = models.CharField(max_length=400, default="", editable=False)
    notes = models.TextField(_("走访情况"), blank=True, default="")
    subjects = models.ManyToManyField(Subject, through="VisitSubject", related_name="visits",
                                      verbose_name=_("走访对象"))
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="visits", verbose_name=_("发现的问题"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # where the visit was (a phone's position, optional): a point on the map (挂图作战)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    # the form's one-time token: a double click (or a resent request) records one visit
    client_token = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        constraints = [
            models.UniqueConstraint(fields=["recorded_by", "client_token"], condition=~models.Q(client_token=""),
                                    name="uniq_visit_client_token"),
        ]
        indexes = [
            models.Index(fields=["date", "cadre"], name="visit_date_cadre"),
            models.Index(fields=["cadre", "date"], name="visit_cadre_date"),
            models.Index(fields=["region_path", "date"], name="visit_path_date"),
        ]

    def __str__(self):
        return f"{self.date} {self.cadre} {self.get_method_display()}"


class VisitSubject(models.Model):
    """One subject of one visit, with the columns coverage filters on copied in."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="visit_links")
    date = models.DateField()
    rank_level = models.PositiveSmallIntegerField(default=0)
    subject_kind = models.CharField(max_length=10, choices=SubjectKind.choices)
    subject_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    subject_region_path = models.CharField(max_length=400, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "subject"], name="uniq_visit_subject")]
        indexes = [
            # covering on PostgreSQL: per-subject aggregation over a window is an index-only scan
            models.Index(fields=["subject", "date"], include=["subject_region_path", "subject_kind"],
                         name="vs_subject_date_cover"),
            models.Index(fields=["date", "subject_region_path"], name="vs_date_path"),
        ]


class CoverageRule(models.Model):
    """四个覆盖、四个必到 as data: which subjects must be visited, how often, by whom.

    E.g. "every household tagged 建档立卡户 visited by a cadre of at least 科级
    each quarter"; "every village tagged 经济薄弱村 visited by a cadre of at least
    处级 in the campaign" (``target`` village: a visit anywhere in the village
    counts); "every 列统企业 each half year".
    """

    class Target(models.TextChoices):
        HOUSEHOLD = "household", _("户")
        ENTERPRISE = "enterprise", _("企业")
        VILLAGE = "village", _("村/社区")

    class Period(models.TextChoices):
        MONTH = "month", _("每月")
        QUARTER = "quarter", _("每季度")
        HALF_YEAR = "half_year", _("每半年")
        YEAR = "year", _("每年")
        CAMPAIGN = "campaign", _("活动期内")

    name = models.CharField(_("规则名称"), max_length=200)
    target = models.CharField(_("对象"), max_length=10, choices=Target.choices)
    tag = models.CharField(_("标签"), max_length=50, blank=True, default="",
                           help_text=_("留空表示该类全部对象"))
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                               verbose_name=_("区划"), help_text=_("留空表示全域"))
    min_rank = models.CharField(_("最低职级"), max_length=10, choices=Rank.choices, blank=True, default="")
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices, default=Period.QUARTER)
    starts_on = models.DateField(_("活动开始"), null=True, blank=True)
    ends_on = models.DateField(_("活动结束"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    description = models.TextField(_("说明"), blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("覆盖规则")
        verbose_name_plural = _("覆盖规则(四个覆盖、四个必到)")

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.period == self.Period.CAMPAIGN and not (self.starts_on and self.ends_on):
            raise ValidationError(_("活动期规则需要开始和结束日期"))
        if self.starts_on and self.ends_on and self.starts_on > self.ends_on:
            raise ValidationError(_("开始日期晚于结束日期"))


# ---- 组团式走访, 集中走访日, 频次规则 (issue 16 part 5) ------------------------------------


class VisitMember(models.Model):
    """组团式走访: a cadre who went along on a visit besides its lead cadre (``Visit.cadre``).
    Every member is credited in the participation figures as if the visit were their own."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_visits",
                             verbose_name=_("同行干部"))
    rank_level = models.PositiveSmallIntegerField(default=0)
    date = models.DateField()

    class Meta:
        verbose_name = _("走访组成员")
        verbose_name_plural = _("走访组成员")
        constraints = [models.UniqueConstraint(fields=["visit", "user"], name="uniq_visit_member")]
        indexes = [models.Index(fields=["user", "date"], name="visitmember_user_date")]


class VisitDay(models.Model):
    """集中走访日: a day on which the cadres of a region visit a target list of subjects together."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="visit_days",
                               verbose_name=_("区划"))
    region_path = models.CharField(max_length=400, default="", editable=False)
    date = models.DateField(_("走访日"))
    title = models.CharField(_("主题"), max_length=200)
    notes = models.TextField(_("说明"), blank=True, default="")
    targets = models.ManyToManyField(Subject, through="VisitDayTarget", related_name="visit_days",
                                     verbose_name=_("目标对象"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("集中走访日")
        verbose_name_plural = _("集中走访日")
        constraints = [models.UniqueConstraint(fields=["region", "date"], name="uniq_visit_day_region_date")]
        indexes = [models.Index(fields=["region_path", "date"], name="visitday_path_date")]

    def __str__(self):
        return f"{self.date} {self.title}"

    def save(self, *args, **kwargs):
        if self.region_id:
            self.region_path = self.region.path
        super().save(*args, **kwargs)


class VisitDayTarget(models.Model):
    day = models.ForeignKey(VisitDay, on_delete=models.CASCADE)
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "subject"], name="uniq_visit_day_target")]


class FrequencyRule(models.Model):
    """走访频次规则: every subject of a kind (and tag) must be visited at least ``times`` times per
    month, e.g. "重点企业每月至少走访 2 次".  Beside the rank rules of ``CoverageRule``."""

    name = models.CharField(_("规则名称"), max_length=200)
    kind = models.CharField(_("对象类型"), max_length=10, choices=SubjectKind.choices)
    tag = models.CharField(_("标签"), max_length=50, blank=True, default="", help_text=_("留空表示该类全部对象"))
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                               verbose_name=_("区划"), help_text=_("留空表示全域"))
    times = models.PositiveSmallIntegerField(_("每月至少次数"), default=1)
    active = models.BooleanField(_("启用"), default=True)
    description = models.TextField(_("说明"), blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("走访频次规则")
        verbose_name_plural = _("走访频次规则")

    def __str__(self):
        return self.name
