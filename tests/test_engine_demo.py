"""`minqing demo` runs the worker beside the server: a real demo (200 cases) in a temp
data directory on a free port; the worker beats, its deadline sweep logs a line, and
stopping the demo stops the worker."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) is not running
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_demo_serves_with_its_worker(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
    env.update(MINQING_DATA_DIR=str(tmp_path), PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    log = open(tmp_path / "demo.log", "w")  # noqa: SIM115 - the child writes to it until it stops
    demo = subprocess.Popen([sys.executable, "-m", "minqing", "demo", "--size", "200", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    text = ""
    try:
        deadline = time.monotonic() + 400
        beat = None
        while time.monotonic() < deadline:
            assert demo.poll() is None, (tmp_path / "demo.log").read_text()
            text = (tmp_path / "demo.log").read_text()
            lines = [re.search(rf"^{job}: ", text, re.MULTILINE) for job in ("sweep", "webhooks", "warm_pages")]
            if all(lines) and (tmp_path / "minqing.sqlite3").exists():
                with sqlite3.connect(tmp_path / "minqing.sqlite3") as db:
                    try:
                        beat = db.execute("SELECT worker, beat_at FROM supervision_workerbeat").fetchone()
                    except sqlite3.OperationalError:
                        beat = None
                if beat:
                    break
            time.sleep(1)
        assert beat, text
        assert re.search(r"^sweep: \d+ newly red, \d+ newly yellow", text, re.MULTILINE), text
        assert re.search(r"^webhooks: ", text, re.MULTILINE) and re.search(r"^warm_pages: ", text, re.MULTILINE), text
        r = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert r.status_code in (200, 302)
        worker_pid = int(re.search(r"worker started \(pid (\d+)\)", text).group(1))
        assert _alive(worker_pid)
        assert beat[0].endswith(f":{worker_pid}")
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(60)
        except subprocess.TimeoutExpired:
            demo.kill()
        log.close()
    deadline = time.monotonic() + 30
    while _alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(worker_pid), "the worker outlived the demo"
