"""``minqing worker``: runs the periodic jobs named in settings.MINQING_WORKER_JOBS.

Each job is (name, interval in seconds, dotted path of a function without
arguments). A failing job is logged and retried at its next turn; the worker
never dies of one job's error.
"""

import importlib
import logging
import time

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger("minqing.worker")


def _load(path):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def run(once=False, stdout=None):
    jobs = [(name, interval, _load(path)) for name, interval, path in settings.MINQING_WORKER_JOBS]
    next_run = {name: 0.0 for name, _, _ in jobs}
    while True:
        for name, interval, fn in jobs:
            if time.monotonic() >= next_run[name]:
                close_old_connections()
                try:
                    result = fn()
                    if stdout:
                        stdout.write(f"{name}: {result}\n")
                except Exception:  # noqa: BLE001 - keep the worker alive, log the job's failure
                    log.exception("job %s failed", name)
                next_run[name] = time.monotonic() + interval
        if once:
            return
        time.sleep(1)
