"""Return-visit counters on the case (rated, satisfied, scored, score sum).

figures.py counted satisfaction by joining every case to its return visits: over a
prefecture's 1,000,000 cases on SQLite that join was two thirds of 2.1 s. The
counters are kept by ``actions.visit_back`` (and the bulk import) in the same
transaction as the visit row, so the figures read the case rows alone.

The columns are added with a constant default in one ``ALTER TABLE … ADD COLUMN``
each (SQLite would otherwise copy the whole table once per field), filled from the
existing return visits, and the covering index for the figures is rebuilt to hold
them — and the registration time, department, channel, category, region and deadline, so
windowed and grouped figures (dashboards) are answered from the index too. The alert level
leaves it: figures count red and yellow from the deadline, and the sweep, which rewrites
the level of every case turning red, then has one index fewer to keep.
"""

from django.db import migrations, models

RATED = "rv.rating <> ''"
SATISFIED = "rv.rating IN ('satisfied', 'basically_satisfied')"
COUNTERS = ["rated_visits", "satisfied_visits", "scored_visits", "score_sum"]
OLD_COUNTED = ["state", "assigned_at", "accepted_on_time", "handled_on_time", "resolved", "ever_handled",
               "reopen_count", "alert_level"]
COUNTED = ["registered_at", "lead_department_id", "channel", "category_id", "region_id", "deadline",
           *[c for c in OLD_COUNTED if c != "alert_level"], *COUNTERS]


def _field(name):
    f = models.PositiveIntegerField(default=0, editable=False)
    f.set_attributes_from_name(name)
    return f


def add_columns(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    if schema_editor.connection.vendor == "sqlite":
        for name in COUNTERS:
            schema_editor.execute(
                f'ALTER TABLE "cases_case" ADD COLUMN "{name}" integer unsigned NOT NULL DEFAULT 0 '
                f'CHECK ("{name}" >= 0)'
            )
    else:
        for name in COUNTERS:
            schema_editor.add_field(Case, _field(name))


def drop_columns(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    for name in COUNTERS:
        schema_editor.remove_field(Case, _field(name))


def backfill(apps, schema_editor):
    def count(cond):
        return (f"(SELECT COUNT(*) FROM cases_returnvisit rv WHERE rv.case_id = cases_case.id AND rv.reached "
                f"AND {cond})")

    schema_editor.execute(
        "UPDATE cases_case SET "
        f"rated_visits = {count(RATED)}, "
        f"satisfied_visits = {count(SATISFIED)}, "
        f"scored_visits = {count('rv.score IS NOT NULL')}, "
        "score_sum = (SELECT COALESCE(SUM(rv.score), 0) FROM cases_returnvisit rv "
        "WHERE rv.case_id = cases_case.id AND rv.reached) "
        "WHERE id IN (SELECT case_id FROM cases_returnvisit WHERE reached)"
    )


def index(columns):
    def run(apps, schema_editor):
        schema_editor.execute("DROP INDEX IF EXISTS case_figures")
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                "CREATE INDEX case_figures ON cases_case (region_path varchar_pattern_ops) "
                f"INCLUDE (id, {', '.join(columns)})"
            )
        else:
            schema_editor.execute(f"CREATE INDEX case_figures ON cases_case (region_path, {', '.join(columns)})")
    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_perf_sweep_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name="case", name=name,
                                    field=models.PositiveIntegerField(default=0, editable=False))
                for name in COUNTERS
            ],
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(index(COUNTED), index(OLD_COUNTED)),
    ]
