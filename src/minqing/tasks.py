"""The task engine: the periodic jobs of ``settings.MINQING_WORKER_JOBS`` on Huey.

Storage: Huey's SQLite storage in a file of the data directory (``huey.sqlite3``; no
server to run) unless ``MINQING_REDIS_URL`` is set, then Redis (every worker of a
cluster shares one queue). ``minqing worker`` is a Huey consumer (threads); ``minqing
demo`` starts one beside the server.

One run per period, however many workers: Huey runs a scheduler in every consumer, so
with N consumers the minute's ``tick`` is enqueued N times and every job would run N
times. Each ``tick`` and each job run therefore first claims its period in the
database (``JobRun``: one conditional UPDATE ``… SET due_at = now + interval WHERE
name = … AND due_at <= now``; see ``claim_period``): exactly one claimant wins per
period, on SQLite and PostgreSQL alike, whatever the queue's storage. The ``tick``
that wins schedules the minute's runs of every job (a job every 10 s: six runs at
0, 10, … 50 s). The jobs themselves claim their rows (the sweep its cases, the
webhooks their deliveries, the notices their messages, the indexer its pending
cases), so even two runs at once (``minqing worker --once`` beside a worker) double
nothing.

Every run is logged on ``minqing.worker`` (INFO): ``sweep: 3 newly red, 1 newly
yellow, …``. Every worker beats (``WorkerBeat``, every ``HEARTBEAT_SECONDS``).
"""

import datetime as dt
import importlib
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone
from huey import RedisHuey, SqliteHuey, crontab

log = logging.getLogger("minqing.worker")
HEARTBEAT_SECONDS = 15
SCHEDULER = "_scheduler"  # the JobRun row of the minute's tick


def make_huey():
    url = getattr(settings, "MINQING_REDIS_URL", "")
    if url:
        # the queue's keys are named after the cache prefix: clusters sharing a Redis keep apart
        return RedisHuey(getattr(settings, "MINQING_CACHE_PREFIX", "minqing"), url=url, results=False, utc=True)
    return SqliteHuey("minqing", filename=str(settings.DATA_DIR / "huey.sqlite3"), results=False, utc=True)


huey = make_huey()


def backend_name():
    return "redis" if isinstance(huey, RedisHuey) else "sqlite"


def _load(path):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def jobs():
    """{name: (interval seconds, dotted path)} from settings.MINQING_WORKER_JOBS."""
    return {name: (int(interval), path) for name, interval, path in settings.MINQING_WORKER_JOBS}


def worker_id():
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def claim_period(name, interval, now=None):
    """True for exactly one caller per period of ``name``: moves its ``due_at`` on by the
    interval with one conditional UPDATE (a little early, so a run scheduled exactly one
    interval later is not refused for a second's jitter)."""
    from minqing.supervision.models import JobRun

    now = now or timezone.now()
    JobRun.objects.bulk_create([JobRun(name=name, due_at=now)], ignore_conflicts=True)
    slack = min(2.0, interval * 0.2)
    return JobRun.objects.filter(name=name, due_at__lte=now).update(
        due_at=now + dt.timedelta(seconds=max(0.0, interval - slack)), claimed_by=worker_id(), started_at=now,
    ) == 1


def describe(name, result):
    """The log line's text of one run."""
    if name == "sweep" and isinstance(result, dict):
        return (f"{result.get('red', 0)} newly red, {result.get('yellow', 0)} newly yellow, "
                f"{result.get('green', 0)} back to green, {result.get('notices', 0)} notices, "
                f"{result.get('notified', 0)} supervisors told")
    return str(result)


def run_job(name, force=False, stdout=None):
    """Run job ``name`` if this caller wins its period (always with ``force``). Returns
    (ran, result). A failing job is logged and recorded; it never raises."""
    from minqing.supervision.models import JobRun

    spec = jobs().get(name)
    if spec is None:
        log.warning("unknown job %s", name)
        return False, None
    interval, path = spec
    close_old_connections()
    try:
        if not force and not claim_period(name, interval):
            return False, None
        JobRun.objects.bulk_create([JobRun(name=name)], ignore_conflicts=True)
        try:
            result = _load(path)()
        except Exception as e:  # keep the worker alive, log the job's failure
            log.exception("job %s failed", name)
            JobRun.objects.filter(name=name).update(
                finished_at=timezone.now(), runs=F("runs") + 1, last_error=f"{type(e).__name__}: {e}"[:500])
            if stdout:
                stdout.write(f"{name}: failed: {type(e).__name__}: {e}\n")
            return True, None
        text = describe(name, result)
        log.info("%s: %s", name, text)
        if stdout:
            stdout.write(f"{name}: {text}\n")
        JobRun.objects.filter(name=name).update(
            finished_at=timezone.now(), runs=F("runs") + 1, last_result=text[:500], last_error="")
        return True, result
    finally:
        close_old_connections()


def run_all_once(stdout=None):
    """``minqing worker --once``: every job once, now (the jobs' own claims still hold)."""
    for name in jobs():
        run_job(name, force=True, stdout=stdout)


def schedule_minute(now=None):
    """The minute's tick: if this caller wins the minute, enqueue every job's runs in it.
    Returns the number of runs enqueued (0 when another worker's tick won)."""
    close_old_connections()
    try:
        if not claim_period(SCHEDULER, 60, now):
            return 0
        n = 0
        for name, (interval, _path) in jobs().items():
            step = max(1, interval)
            for offset in range(0, 60, step) if step < 60 else [0]:
                if offset:
                    run_job_task.schedule(args=(name,), delay=offset)
                else:
                    run_job_task(name)
                n += 1
        return n
    finally:
        close_old_connections()


@huey.task(name="minqing.run_job")
def run_job_task(name):
    run_job(name)


@huey.periodic_task(crontab(), name="minqing.tick")
def tick():
    """Every consumer's scheduler enqueues this each minute (and at its start)."""
    schedule_minute()


@huey.on_shutdown()
def _close_connections():
    """A stopping consumer thread closes its database connections (kept open between runs)."""
    from django.db import connections

    connections.close_all()


def beat(started_at=None):
    from minqing.supervision.models import WorkerBeat

    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker=worker_id(), defaults={"beat_at": now, "backend": backend_name()},
        create_defaults={"beat_at": now, "started_at": started_at or now, "backend": backend_name()},
    )
    WorkerBeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()


def last_beat():
    """The time of the last beat of any worker, or None (for ``minqing check``)."""
    from minqing.supervision.models import WorkerBeat

    row = WorkerBeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    return row


class Heartbeat(threading.Thread):
    """Beats every ``seconds`` until stopped; ``on_orphan`` is called when ``parent_pid``
    (the ``minqing demo`` that started this worker) is gone."""

    def __init__(self, seconds=HEARTBEAT_SECONDS, parent_pid=None, on_orphan=None):
        super().__init__(name="minqing-heartbeat", daemon=True)
        self.seconds = seconds
        self.parent_pid = parent_pid
        self.on_orphan = on_orphan
        self.stopped = threading.Event()
        self.started_at = timezone.now()

    def run(self):
        import time

        next_beat = 0.0
        while not self.stopped.is_set():
            if self.parent_pid and os.getppid() != self.parent_pid:
                log.warning("the process that started this worker is gone: stopping")
                if self.on_orphan:
                    self.on_orphan()
                return
            if time.monotonic() >= next_beat:
                try:
                    close_old_connections()
                    beat(self.started_at)
                except Exception:
                    log.exception("heartbeat failed")
                finally:
                    close_old_connections()
                next_beat = time.monotonic() + self.seconds
            self.stopped.wait(1.0)
        from django.db import connections

        connections.close_all()
