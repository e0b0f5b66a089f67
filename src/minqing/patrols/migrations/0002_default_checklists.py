from django.db import migrations


def forwards(apps, schema_editor):
    from minqing.patrols.defaults import install

    install(apps.get_model("patrols", "Checklist"), apps.get_model("patrols", "ChecklistItem"),
            apps.get_model("cases", "Category"))


class Migration(migrations.Migration):
    dependencies = [("patrols", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
