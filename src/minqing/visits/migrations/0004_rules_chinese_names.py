"""The example coverage rules and their help texts in Chinese only (the pages translate through gettext;
a rule's name is data and is shown as written).  Renames only rules still carrying the seeded name."""

from django.db import migrations, models
import django.db.models.deletion

RENAMES = {
    "建档立卡户每季度由科级以上干部走访 / every 建档立卡户 household, a 科级+ cadre each quarter":
        "建档立卡户每季度由科级以上干部走访",
    "经济薄弱村活动期内由处级以上干部走访 / every 经济薄弱村 village, a 处级+ cadre in the campaign":
        "经济薄弱村活动期内由处级以上干部走访",
    "列统企业每半年走访 / every 列统企业 enterprise each half year": "列统企业每半年走访",
    "低保户每季度走访 / every 低保户 household each quarter": "低保户每季度走访",
}
OLD_DESCRIPTION = "示例规则，可在管理后台修改 / example rule, edit in the admin"
NEW_DESCRIPTION = "示例规则，可在管理后台修改"


def rename(apps, schema_editor, renames=RENAMES, old=OLD_DESCRIPTION, new=NEW_DESCRIPTION):
    CoverageRule = apps.get_model("visits", "CoverageRule")
    for before, after in renames.items():
        CoverageRule.objects.filter(name=before).update(name=after)
    CoverageRule.objects.filter(description=old).update(description=new)


def back(apps, schema_editor):
    rename(apps, schema_editor, {v: k for k, v in RENAMES.items()}, NEW_DESCRIPTION, OLD_DESCRIPTION)


class Migration(migrations.Migration):
    dependencies = [("visits", "0003_subject_last_visit")]
    operations = [
        migrations.AlterField(
            model_name="coveragerule", name="tag",
            field=models.CharField(blank=True, default="", help_text="留空表示该类全部对象", max_length=50,
                                   verbose_name="标签"),
        ),
        migrations.AlterField(
            model_name="coveragerule", name="region",
            field=models.ForeignKey(blank=True, help_text="留空表示全域", null=True,
                                    on_delete=django.db.models.deletion.PROTECT, to="regions.region",
                                    verbose_name="区划"),
        ),
        migrations.RunPython(rename, back),
    ]
