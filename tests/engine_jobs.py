"""Jobs for tests/test_engine_*.py: each run is recorded with its thread and time."""

import threading
import time

runs = []  # (job, thread name, monotonic time)
_lock = threading.Lock()


def _record(name):
    with _lock:
        runs.append((name, threading.current_thread().name, time.monotonic()))


def hourly():
    _record("hourly")
    return "hourly ran"


def fast():
    _record("fast")
    return "fast ran"


def broken():
    _record("broken")
    raise RuntimeError("this job always fails")
