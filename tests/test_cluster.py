"""A cluster on one machine: PostgreSQL and Redis (started by the project's scripts when
none runs), two app servers on two ports, three workers; 2,000 registrations and their
transitions spread over both servers while deadlines pass (the test moves deadlines of
assigned cases ten days back, as the calendar would), a webhook subscriber listening on
loopback, and one worker killed with SIGKILL mid-run. Then:

- 0 doubled overdue events: every case whose deadline passed has exactly one;
- 0 doubled deliveries: each delivery id reaches the subscriber once (a delivery the killed
  worker held when it died may be sent again by the next: that is at-least-once delivery,
  and the receiver recognises it by its id; the test counts those separately and only
  allows them for deliveries the dead worker had claimed);
- 0 lost events: every transition the servers acknowledged has its event, every event
  has its delivery, and every delivery was received.

Marked slow: `test.sh` runs it in CI. Uses its own database (this checkout's test database
name + "_cluster", dropped at the end) and its own key prefix in Redis.
"""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
REGISTRATIONS = int(os.environ.get("MINQING_CLUSTER_CASES", "2000"))

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _script(name):
    out = subprocess.run(["bash", str(ROOT / "scripts" / name), *(["--test"] if name == "postgres.sh" else [])],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def database():
    import psycopg

    base = _script("postgres.sh")
    head, _, name = base.rpartition("/")
    name = f"{name}_cluster"
    admin = f"{head}/postgres"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    yield f"{head}/{name}"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Subscriber(BaseHTTPRequestHandler):
    received = Counter()
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.received[self.headers["X-Minqing-Delivery"]] += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


SEED = """
import json, sys
sys.path.insert(0, {tests!r})
import django
django.setup()
from conftest import build_world
from minqing.intake.models import WebhookSubscriber
w = build_world()
WebhookSubscriber.objects.create(name="cluster", url={hook!r}, include_private=True)
print(json.dumps(w.tokens))
"""


def _wait_http(url, proc, log, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, Path(log).read_text()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer: {Path(log).read_text()}")


def test_cluster_two_servers_three_workers_one_killed(database, tmp_path):
    import psycopg

    redis_url = _script("redis.sh")
    hook_port = _free_port()
    hook = ThreadingHTTPServer(("127.0.0.1", hook_port), Subscriber)
    threading.Thread(target=hook.serve_forever, daemon=True).start()

    env = {k: v for k, v in os.environ.items() if not k.startswith("MINQING_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])),
        DJANGO_SETTINGS_MODULE="minqing.settings",
        MINQING_DATA_DIR=str(tmp_path),
        MINQING_DATABASE_URL=database,
        MINQING_REDIS_URL=redis_url,
        MINQING_CACHE_PREFIX=f"mqcluster-{uuid.uuid4().hex[:8]}",
        MINQING_SECRET_KEY="cluster-test-" + uuid.uuid4().hex,
        MINQING_SWEEP_INTERVAL="2",
        MINQING_WEBHOOK_INTERVAL="1",
        MINQING_WEBHOOK_BACKOFF="1",
        MINQING_NOTICE_INTERVAL="2",
        MINQING_CLAIM_LEASE_SECONDS="15",
        MINQING_INSIGHTS_INDEX_INTERVAL="5",
        MINQING_REPORTER_SMS="0",
        MINQING_LOG_LEVEL="WARNING",
    )
    py = [sys.executable, "-m", "minqing"]
    subprocess.run([*py, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=600)
    seeded = subprocess.run([sys.executable, "-c", SEED.format(tests=str(ROOT / "tests"),
                                                               hook=f"http://127.0.0.1:{hook_port}/hook")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    tokens = json.loads(seeded.stdout.strip().splitlines()[-1])
    time.sleep(11)  # a new subscriber gets events from 2 × CHECK_SECONDS (10 s) after it was added

    procs, logs = [], []

    def start(args, name):
        log = tmp_path / f"{name}.log"
        logs.append(log)
        p = subprocess.Popen([*py, *args], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
        procs.append(p)
        return p, log

    ports = [_free_port(), _free_port()]
    try:
        for i, port in enumerate(ports):
            p, log = start(["serve", "--port", str(port), "--workers", "2", "--threads", "4", "--no-migrate"],
                           f"server{i}")
            _wait_http(f"http://127.0.0.1:{port}/healthz", p, log)
        workers = [start(["worker", "--threads", "2"], f"worker{i}")[0] for i in range(3)]

        clients = {
            # a connection per request: gunicorn closes idle keep-alive connections after 2 s, and a
            # POST sent on one it is closing would be reset (a proxy in front retries; this test has none)
            (who, i): httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=60,
                                   limits=httpx.Limits(max_keepalive_connections=0),
                                   headers={"Authorization": f"Bearer {tokens[who]}"})
            for who in ("disp_lk", "water") for i, port in enumerate(ports)
        }
        acked = Counter()  # action -> transitions the servers acknowledged
        acked_lock = threading.Lock()
        may_pass = []  # cases left assigned or in progress: their deadlines may pass
        errors = []

        def call(who, i, path, body, status):
            r = clients[(who, i)].post(path, json=body)
            if r.status_code != status:
                errors.append((path, r.status_code, r.text[:300]))
                return None
            return r.json()

        def one(n):
            i = n % 2  # spread over both servers, each step on the other one
            case = call("disp_lk", i, "/cases", {
                "text": f"朱亭村第{n}户反映自来水停了", "channel": "hotline", "kind": "complaint",
                "category": "water_supply", "region": "430212101201"}, 201)
            if case is None:
                return
            done = ["register"]
            if n % 4:
                if call("disp_lk", 1 - i, f"/cases/{case['id']}/assign", {"department": "lk-water"}, 200) is None:
                    return
                done.append("assign")
                if n % 4 >= 2:
                    if call("water", i, f"/cases/{case['id']}/accept", {}, 200) is None:
                        return
                    done.append("accept")
                if n % 4 == 3:
                    if call("water", 1 - i, f"/cases/{case['id']}/handle",
                            {"result": "已修复管道", "disposition": "solved"}, 200) is None:
                        return
                    done.append("handle")
                else:
                    with acked_lock:
                        may_pass.append(case["id"])
            with acked_lock:
                acked.update(done)

        stop = threading.Event()
        passed = set()

        def calendar():
            # deadlines pass: move some open cases' deadlines ten days back, each case once
            with psycopg.connect(database, autocommit=True) as db:
                while not stop.is_set():
                    with acked_lock:
                        pool = [c for c in may_pass if c not in passed]
                    pick = random.sample(pool, min(len(pool), 40))
                    if pick:
                        db.execute("UPDATE cases_case SET deadline = deadline - 10 WHERE id = ANY(%s)", [pick])
                        passed.update(pick)
                    stop.wait(0.5)

        clock = threading.Thread(target=calendar)
        clock.start()
        killed_claims = set()
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(one, n) for n in range(REGISTRATIONS)]
            for k, f in enumerate(futures):
                f.result()
                if k == REGISTRATIONS // 2:
                    victim = workers[0]
                    victim.send_signal(signal.SIGKILL)
                    victim.wait(30)
                    with psycopg.connect(database) as db:  # what it may have held when it died
                        killed_claims = {str(r[0]) for r in db.execute(
                            "SELECT delivery_id FROM intake_webhookdelivery WHERE status = 'pending' "
                            "AND claimed_by <> ''")}
        stop.set()
        clock.join(30)
        assert not errors, errors[:5]
        assert workers[0].poll() == -signal.SIGKILL
        assert all(w.poll() is None for w in workers[1:]), [log.read_text()[-2000:] for log in logs]

        # let the two live workers finish: every overdue case swept, every delivery sent
        with psycopg.connect(database, autocommit=True) as db:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                pending = db.execute("SELECT count(*) FROM intake_webhookdelivery WHERE status <> 'delivered'"
                                     ).fetchone()[0]
                outbox = db.execute("SELECT count(*) FROM intake_webhookoutbox").fetchone()[0]
                unswept = db.execute(
                    "SELECT count(*) FROM cases_case c WHERE id = ANY(%s) AND state IN "
                    "('assigned','in_progress','reopened') AND NOT EXISTS (SELECT 1 FROM supervision_alertmark m "
                    "WHERE m.case_id = c.id AND m.deadline = c.deadline AND m.level = 'red')",
                    [list(passed)]).fetchone()[0]
                if pending == 0 and outbox == 0 and unswept == 0:
                    break
                time.sleep(1)
            assert (pending, outbox, unswept) == (0, 0, 0), [log.read_text()[-2000:] for log in logs]

            overdue = Counter(r[0] for r in db.execute("SELECT case_id FROM cases_event WHERE action = 'overdue'"))
            doubled = {c: n for c, n in overdue.items() if n > 1}
            assert not doubled, f"doubled overdue events: {doubled}"
            assert set(overdue) == passed and len(passed) >= REGISTRATIONS // 4

            events = Counter(dict(db.execute(
                "SELECT action, count(*) FROM cases_event WHERE action = ANY(%s) GROUP BY action",
                [["register", "assign", "accept", "handle"]]).fetchall()))
            assert events == acked, (events, acked)  # no acknowledged transition lost, none doubled

            deliveries = dict(db.execute("SELECT delivery_id::text, event_id FROM intake_webhookdelivery").fetchall())
            without = db.execute(
                "SELECT count(*) FROM cases_event e WHERE e.action = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM intake_webhookdelivery d WHERE d.event_id = e.id)",
                [["register", "assign", "accept", "handle"]]).fetchone()[0]
            assert without == 0, f"{without} events have no delivery"
        received = dict(Subscriber.received)
        assert set(received) == set(deliveries), "a delivery was not received, or an unknown one was"
        again = {d: n for d, n in received.items() if n > 1}
        assert set(again) <= killed_claims, f"sent twice though no dead worker held them: {again}"
        print(f"\ncluster: {sum(acked.values())} transitions acknowledged, {len(passed)} deadlines passed, "
              f"{len(deliveries)} deliveries, {len(again)} re-sent after the kill (of {len(killed_claims)} held)")
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        hook.shutdown()
