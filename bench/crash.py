"""Crash and backup figures against `minqing serve` (gunicorn, 2 workers × 2 threads) on a
fresh SQLite data directory (bench/out/data-crash-sqlite), over HTTP from client threads:

1. kill -9 during registrations: --n registrations (default 1,000) are sent by 8 client
   threads; every --every acknowledged ones (default 250) the whole server (master and
   workers) is killed with SIGKILL mid-stream and started again. Afterwards the database is
   read: acknowledged (201 with an id), lost (acknowledged but not in the database),
   committed without an answer (the request was cut by the kill after the commit), and
   half-written (a case without its register event, an event without its case), and
   SQLite's integrity_check.
2. backup during load: the client threads register for --seconds (default 8); in the middle
   `minqing backup` runs as a separate process; the archive is restored with `minqing
   restore` into a new data directory; every case acknowledged before the backup began must
   be in the restored copy.

    .venv/bin/python bench/crash.py [--n 1000] [--every 250] [--seconds 8] [--port 8107]

Results: bench/out/crash.json.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

N = common.arg_int("n", 1000)
EVERY = common.arg_int("every", 250)
SECONDS = common.arg_int("seconds", 8)
PORT = common.arg_int("port", 8107)
THREADS = 8
assert 8102 <= PORT <= 8109, "bench ports are 8102-8109"

env = common.setup_django("sqlite", "crash", fresh=True)
ENV = {**os.environ, **env, "PYTHONPATH": str(common.ROOT / "src")}
DB = Path(env["MINQING_DATA_DIR"]) / "minqing.sqlite3"


def world():
    from minqing.people.models import ApiToken

    village, _t, user = common.township_world("bench_crash")
    return village.code, ApiToken.issue(user, "bench")[1]


def start_server():
    proc = subprocess.Popen(
        [sys.executable, "-m", "minqing", "serve", "--host", "127.0.0.1", "--port", str(PORT), "--no-migrate"],
        env=ENV, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    end = time.time() + 60
    while time.time() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/api/v1/cases", timeout=2).status_code in (401, 403):
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def kill9(proc):
    """SIGKILL to the server's whole process group: the gunicorn master and its workers."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class Load:
    """Client threads sending registrations; each acknowledged id with the time of its answer."""

    def __init__(self, region, token, total=None):
        self.region, self.token, self.total = region, token, total
        self.acked, self.failed, self.sent = [], 0, 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.up = threading.Event()  # cleared while the server is down: no request is sent into the void
        self.up.set()

    def take(self):
        with self.lock:
            if self.stop.is_set() or (self.total is not None and self.sent >= self.total):
                return None
            self.sent += 1
            return self.sent

    def run(self):
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30,
                          headers={"Authorization": f"Bearer {self.token}"}) as client:
            while self.up.wait() and (i := self.take()) is not None:
                body = {"text": f"朱亭村三组停水两天了（第{i}件）", "channel": "hotline", "kind": "complaint",
                        "category": "water_supply", "region": self.region, "reporter_phone": "13812345678",
                        "external_id": f"crash-{i}"}
                try:
                    r = client.post("/api/v1/cases", json=body)
                except httpx.HTTPError:
                    r = None
                with self.lock:
                    if r is not None and r.status_code == 201:
                        self.acked.append((r.json()["id"], time.monotonic()))
                    else:
                        self.failed += 1

    def start(self):
        self.threads = [threading.Thread(target=self.run) for _ in range(THREADS)]
        for t in self.threads:
            t.start()

    def join(self):
        for t in self.threads:
            t.join()


def read(db_path, sql):
    with sqlite3.connect(db_path) as db:
        return db.execute(sql).fetchall()


def crash_run(region, token):
    server = start_server()
    load = Load(region, token, total=N)
    load.start()
    kills = 0
    while any(t.is_alive() for t in load.threads):
        if len(load.acked) >= EVERY * (kills + 1) and len(load.acked) < N - EVERY // 2:
            load.up.clear()
            kill9(server)  # requests in flight are cut: answered or not, committed or not
            kills += 1
            server = start_server()
            load.up.set()
        time.sleep(0.01)
    load.join()
    kill9(server)
    acked = {pk for pk, _ in load.acked}
    in_db = {pk for (pk,) in read(DB, "SELECT id FROM cases_case")}
    no_event = read(DB, "SELECT COUNT(*) FROM cases_case c WHERE NOT EXISTS (SELECT 1 FROM cases_event e "
                        "WHERE e.case_id = c.id AND e.action = 'register')")[0][0]
    orphan = read(DB, "SELECT COUNT(*) FROM cases_event e WHERE NOT EXISTS "
                      "(SELECT 1 FROM cases_case c WHERE c.id = e.case_id)")[0][0]
    return {
        "sent": load.sent, "kills": kills, "acknowledged": len(acked), "failed_requests": load.failed,
        "in_database": len(in_db), "lost": len(acked - in_db),
        "committed_unacknowledged": len(in_db - acked), "half_written": no_event + orphan,
        "integrity_check": read(DB, "PRAGMA integrity_check")[0][0],
    }


def backup_run(region, token):
    server = start_server()
    load = Load(region, token)
    load.start()
    time.sleep(SECONDS / 2)
    archive = common.OUT / "crash-backup.tar"
    began = time.monotonic()
    before = {pk for pk, at in list(load.acked) if at < began}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "minqing", "backup", str(archive)], env=ENV, check=True,
                   capture_output=True)
    backup_seconds = time.perf_counter() - t
    ended = time.monotonic()
    time.sleep(SECONDS / 2)
    load.stop.set()
    load.join()
    kill9(server)
    during = sum(1 for _, at in load.acked if began <= at <= ended)
    target = common.OUT / "data-crash-restored"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    renv = {**ENV, "MINQING_DATA_DIR": str(target)}
    renv.pop("MINQING_DATABASE_URL", None)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "minqing", "restore", str(archive)], env=renv, check=True,
                   capture_output=True)
    restore_seconds = time.perf_counter() - t
    restored = {pk for (pk,) in read(target / "minqing.sqlite3", "SELECT id FROM cases_case")}
    import tarfile

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    return {
        "acknowledged_total": len(load.acked), "acknowledged_before_backup": len(before),
        "acknowledged_while_backup_ran": during,
        "acknowledged_in_restored_copy": len(restored & {pk for pk, _ in load.acked}),
        "acknowledged_before_backup_found": len(before & restored),
        "missing": len(before - restored), "backup_seconds": round(backup_seconds, 2),  # the whole command, Python start included
        "snapshot_seconds": manifest["database_seconds"],
        "restore_seconds": round(restore_seconds, 2), "archive_bytes": archive.stat().st_size,
    }


def main():
    region, token = world()
    from django.db import connections

    connections.close_all()
    crash = crash_run(region, token)
    print("kill -9 during registrations:", json.dumps(crash, ensure_ascii=False))
    backup = backup_run(region, token)
    print("backup during load:", json.dumps(backup, ensure_ascii=False))
    (common.OUT / "crash.json").write_text(json.dumps(
        {"at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "load": os.getloadavg(),
         "crash": crash, "backup": backup}, ensure_ascii=False, indent=1))
    print(f"→ bench/out/crash.json (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
