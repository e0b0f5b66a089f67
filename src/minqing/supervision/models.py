"""The worker's shared state in the database (minqing/tasks.py).

``JobRun``: one row per periodic job. A worker runs a job only after claiming its
period with one conditional UPDATE (``… SET due_at = now + interval WHERE name = … AND
due_at <= now``): however many workers (Huey consumers, each with its own scheduler)
want to run it, exactly one UPDATE matches per period.

``WorkerBeat``: one row per running worker, with the time of its last beat (every
``HEARTBEAT_SECONDS``), for ``minqing check`` and the tests.
"""

from django.db import models
from django.utils import timezone


class JobRun(models.Model):
    name = models.CharField(max_length=40, primary_key=True)
    due_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=80, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveBigIntegerField(default=0)
    last_result = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "job run"

    def __str__(self):
        return self.name


class WorkerBeat(models.Model):
    worker = models.CharField(max_length=80, primary_key=True)  # host:pid
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)
    backend = models.CharField(max_length=20, blank=True)  # sqlite | redis

    class Meta:
        verbose_name = "worker heartbeat"

    def __str__(self):
        return self.worker


class AlertMark(models.Model):
    """"The sweep has raised this alert for this case's deadline": one narrow row per
    (case, deadline, level), written once by the sweep that claims it (``INSERT … SELECT …
    ON CONFLICT DO NOTHING RETURNING``), so of several sweeps at once exactly one writes
    each overdue event and notice. The sweep no longer rewrites a level stored on each
    case (a cold sweep over a million open cases rewrote hundreds of thousands of wide
    rows); open cases' colours are computed from their deadlines (``alerts.alert_q``).
    A moved deadline is a new key: the case may turn yellow and red again against it."""

    pk = models.CompositePrimaryKey("case_id", "deadline", "level")
    # no database constraint: checking one would lock each case row (FOR KEY SHARE writes the
    # row's header), which on a cold sweep over a million open cases cost as much as the rewrite
    # this table replaces; rows go with their case through the ORM's cascade
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    deadline = models.DateField()
    level = models.CharField(max_length=6)  # yellow | red
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "alert raised"
