"""Example coverage rules (四个覆盖、四个必到); deployments edit them in the admin."""

import datetime as dt

from django.db import migrations

EXAMPLES = [
    dict(name="建档立卡户每季度由科级以上干部走访 / every 建档立卡户 household, a 科级+ cadre each quarter",
         target="household", tag="建档立卡户", min_rank="section", period="quarter"),
    dict(name="经济薄弱村活动期内由处级以上干部走访 / every 经济薄弱村 village, a 处级+ cadre in the campaign",
         target="village", tag="经济薄弱村", min_rank="division", period="campaign",
         starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31)),
    dict(name="列统企业每半年走访 / every 列统企业 enterprise each half year",
         target="enterprise", tag="列统企业", min_rank="", period="half_year"),
    dict(name="低保户每季度走访 / every 低保户 household each quarter",
         target="household", tag="低保户", min_rank="", period="quarter"),
]


def seed(apps, schema_editor):
    CoverageRule = apps.get_model("visits", "CoverageRule")
    for ex in EXAMPLES:
        if not CoverageRule.objects.filter(name=ex["name"]).exists():
            CoverageRule.objects.create(description="示例规则，可在管理后台修改 / example rule, edit in the admin", **ex)


def unseed(apps, schema_editor):
    CoverageRule = apps.get_model("visits", "CoverageRule")
    CoverageRule.objects.filter(name__in=[ex["name"] for ex in EXAMPLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
