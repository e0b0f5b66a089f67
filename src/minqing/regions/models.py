from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县区")
    TOWNSHIP = "township", _("乡镇街道")
    VILLAGE = "village", _("村社区")
    GRID = "grid", _("网格")


LEVEL_ORDER = [lv.value for lv in Level]


class Region(models.Model):
    """行政区划: one node of the tree, province down to grid.

    ``path`` is the chain of codes from the root ("/43/4302/430212/") so that a
    whole subtree is one indexed prefix query on any database.
    """

    code = models.CharField(_("区划代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=400, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    aliases = models.JSONField(_("别名/曾用名"), default=list, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return f"{self.name}({self.code})"

    def compute_path(self):
        if self.parent_id:
            parent = self.parent
            return f"{parent.path}{self.code}/", parent.depth + 1
        return f"/{self.code}/", 0

    def save(self, *args, **kwargs):
        self.path, self.depth = self.compute_path()
        super().save(*args, **kwargs)

    def ancestors(self):
        codes = [c for c in self.path.strip("/").split("/") if c]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def full_name(self):
        return "".join(r.name for r in self.ancestors())

    def contains(self, other):
        return other is not None and other.path.startswith(self.path)


class Department(models.Model):
    """部门 / 承办单位: a government body of some region that handles cases."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")
    categories = models.ManyToManyField("cases.Category", blank=True, related_name="departments")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name


class CalendarDay(models.Model):
    """A deployment's override of the official calendar for one date
    (a year the calendar package does not cover yet, or a local holiday)."""

    date = models.DateField(unique=True)
    is_workday = models.BooleanField()
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
