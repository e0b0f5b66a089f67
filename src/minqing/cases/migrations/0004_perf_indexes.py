"""Indexes for the figures (insights/figures.py) over large case tables.

One index answers every count of a region's cases without reading the case rows
(it holds the columns the counts look at), and one lets the return-visit counts
find a case's visits by its id. PostgreSQL gets a prefix-searchable index
(varchar_pattern_ops, for ``region_path LIKE '/…/%'``) with the counted columns
INCLUDEd, id too (the counts are COUNT(id), and an index-only scan needs every column); SQLite gets a plain composite index (its ``region_path`` range is what
figures.py asks for there). Created here in SQL, per database, so the model
state (and makemigrations) is untouched.
"""

from django.db import migrations

COUNTED = ["state", "assigned_at", "accepted_on_time", "handled_on_time", "resolved", "ever_handled",
           "reopen_count", "alert_level"]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS case_figures ON cases_case (region_path varchar_pattern_ops) "
            f"INCLUDE (id, {', '.join(COUNTED)})"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS rv_figures ON cases_returnvisit (case_id) INCLUDE (id, reached, rating, score)"
        )
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS case_figures ON cases_case (region_path, {', '.join(COUNTED)})")
        schema_editor.execute("CREATE INDEX IF NOT EXISTS rv_figures ON cases_returnvisit (case_id, reached, rating, score)")


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS case_figures")
    schema_editor.execute("DROP INDEX IF EXISTS rv_figures")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_default_categories")]
    operations = [migrations.RunPython(create, drop)]
