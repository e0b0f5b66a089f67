"""An index for the deadline sweep (supervision/sweep.py) over many open cases.

The sweep looks for open cases by deadline whose alert level is not yet the
right one (``state IN (…) AND deadline < d AND alert_level <> 'red'``). With
the level in the index beside the state and the deadline, the cases already
at the right level are skipped inside the index; only those that change are
read from the table. Created in SQL, so the model state is untouched.
"""

from django.db import migrations


def create(apps, schema_editor):
    schema_editor.execute("CREATE INDEX IF NOT EXISTS case_sweep ON cases_case (state, deadline, alert_level)")


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS case_sweep")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_perf_indexes")]
    operations = [migrations.RunPython(create, drop)]
