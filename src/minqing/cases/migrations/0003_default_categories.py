from django.db import migrations


def seed(apps, schema_editor):
    from minqing.cases.default_categories import DEFAULT_CATEGORIES

    Category = apps.get_model("cases", "Category")
    for pos, (code, name, name_en, description, keywords) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "description": description, "keywords": keywords,
                      "position": pos},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
