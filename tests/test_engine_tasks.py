"""The task engine (minqing/tasks.py): every periodic job runs once per period however
many consumers run (each consumer's Huey scheduler enqueues the minute's tick); a worker
beats; a failing job is logged and recorded, the others go on."""

import datetime as dt
import itertools
import time

import engine_jobs
import pytest
from django.utils import timezone

from minqing import tasks
from minqing.supervision.models import JobRun, WorkerBeat


def test_a_period_is_claimed_once(db):
    now = timezone.now()
    assert tasks.claim_period("hourly", 3600, now) is True
    assert tasks.claim_period("hourly", 3600, now) is False
    assert tasks.claim_period("hourly", 3600, now + dt.timedelta(minutes=30)) is False
    assert tasks.claim_period("hourly", 3600, now + dt.timedelta(hours=1)) is True
    assert tasks.claim_period("other", 60, now) is True  # each job its own period


def _consumer():
    consumer = tasks.huey.create_consumer(workers=2, worker_type="thread", periodic=True, check_worker_health=False)
    consumer._set_signal_handlers = lambda: None  # pytest keeps its own
    return consumer


@pytest.fixture
def engine(transactional_db, settings):
    settings.MINQING_WORKER_JOBS = [
        ("hourly", 3600, "engine_jobs.hourly"),
        ("fast", 4, "engine_jobs.fast"),
        ("broken", 3600, "engine_jobs.broken"),
    ]
    tasks.huey.flush()
    engine_jobs.runs.clear()
    yield
    tasks.huey.flush()


def test_two_consumers_run_each_job_once_per_period(engine):
    consumers = [_consumer(), _consumer()]
    for c in consumers:
        c.start()  # each scheduler enqueues the tick at once (then every minute)
    try:
        time.sleep(14)
    finally:
        for c in consumers:
            c.stop(graceful=True)
    by_job = {}
    for name, _thread, at in engine_jobs.runs:
        by_job.setdefault(name, []).append(at)
    assert len(by_job["hourly"]) == 1  # two schedulers, one run
    assert len(by_job["broken"]) == 1  # failed once, the worker went on
    fast = sorted(by_job["fast"])
    assert 2 <= len(fast) <= 4  # every 4 s over ~14 s: 0, 4, 8, 12 — not twice each
    assert all(b - a >= 3 for a, b in itertools.pairwise(fast)), fast
    assert JobRun.objects.get(name="hourly").runs == 1
    broken = JobRun.objects.get(name="broken")
    assert broken.runs == 1 and "this job always fails" in broken.last_error
    assert JobRun.objects.get(name="hourly").last_result == "hourly ran"
    assert JobRun.objects.filter(name=tasks.SCHEDULER).count() == 1


def test_two_ticks_in_one_minute_schedule_the_jobs_once(engine):
    assert tasks.schedule_minute() == 1 + 15 + 1  # hourly, fast at 0, 4, … 56, broken
    assert tasks.schedule_minute() == 0  # the other consumer's tick in the same minute
    assert tasks.huey.pending_count() + tasks.huey.scheduled_count() == 17


def test_worker_once_runs_every_job_and_logs_a_line_each(engine, capsys, caplog):
    from django.core.management import call_command

    caplog.set_level("INFO", logger="minqing.worker")
    call_command("worker", "--once")
    out = capsys.readouterr().out
    assert "hourly: hourly ran" in out and "fast: fast ran" in out
    assert "broken: failed: RuntimeError" in out
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("hourly:")] == ["hourly: hourly ran"]


def test_heartbeat(transactional_db):
    assert tasks.last_beat() is None
    heart = tasks.Heartbeat(seconds=1)
    heart.start()
    try:
        deadline = time.monotonic() + 10
        while tasks.last_beat() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        first = tasks.last_beat()
        assert first is not None
        time.sleep(2.5)
        assert tasks.last_beat() > first
    finally:
        heart.stopped.set()
        heart.join(5)
    row = WorkerBeat.objects.get()
    assert row.worker == tasks.worker_id() and row.backend == "sqlite"
