"""``minqing worker``: a Huey consumer running the periodic jobs of
settings.MINQING_WORKER_JOBS (minqing/tasks.py), with a heartbeat.

Each job is (name, interval in seconds, dotted path of a function without
arguments). A failing job is logged and retried at its next turn; the worker
never dies of one job's error.
"""

import logging
import os
import signal

from minqing import tasks

log = logging.getLogger("minqing.worker")
_load = tasks._load


def run(once=False, stdout=None, threads=2, parent_pid=None):
    if once:
        tasks.run_all_once(stdout=stdout)
        return
    consumer = tasks.huey.create_consumer(workers=max(1, threads), worker_type="thread", periodic=True,
                                          check_worker_health=True)
    heart = tasks.Heartbeat(parent_pid=parent_pid, on_orphan=lambda: os.kill(os.getpid(), signal.SIGINT))
    heart.start()
    log.info("worker %s started (%s queue, %s threads)", tasks.worker_id(), tasks.backend_name(), threads)
    try:
        consumer.run()  # until SIGINT (finish the running jobs) or SIGTERM
    finally:
        heart.stopped.set()
