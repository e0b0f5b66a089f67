"""Every job claims its rows: two workers running the same job at the same moment double
no overdue event, notice, webhook delivery or index entry; a worker killed mid-job leaves
work that the next one finishes. Threads with one connection each, on SQLite (file) or
PostgreSQL (MINQING_DATABASE_URL=postgres://…/minqing_engine)."""

import datetime as dt
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from casebuild import register
from django.db import connection
from django.utils import timezone

from minqing.cases import actions
from minqing.cases.models import Case, Event
from minqing.insights import indexing
from minqing.insights.models import CaseInsight, PendingIndex
from minqing.intake import webhooks
from minqing.intake.models import WebhookDelivery, WebhookSubscriber
from minqing.people.models import Notification
from minqing.supervision import sweep as sweep_mod

PORT = 8157


def together(n, target, *args):
    """Run ``target`` in ``n`` threads; return (results, errors)."""
    results, errors = [], []

    def run():
        try:
            results.append(target(*args))
        except Exception as e:  # noqa: BLE001 - any error fails the test
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


def _overdue_cases(world, n):
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    ids = []
    for i in range(n):
        c = register(world, text=f"朱亭村停水第{i}次")
        actions.assign(world.actor("disp_zt"), c, department="lk-water",
                       deadline=(ten_days_ago + dt.timedelta(days=1)).date(), at=ten_days_ago)
        ids.append(c.pk)
    return ids


def test_two_sweeps_at_once_write_each_overdue_event_and_notice_once(tworld, monkeypatch):
    ids = _overdue_cases(tworld, 12)
    barrier = threading.Barrier(2, timeout=30)
    if connection.vendor == "postgresql":
        # both inside their transactions, both about to claim the same cases
        real = sweep_mod._claim

        def claim(cases, level):
            if level == "red":
                barrier.wait()
            return real(cases, level)

        monkeypatch.setattr(sweep_mod, "_claim", claim)
    else:
        # SQLite: a write transaction holds the database from BEGIN; start both at once
        real = sweep_mod.cutoffs

        def cutoffs(day):
            barrier.wait()
            return real(day)

        monkeypatch.setattr(sweep_mod, "cutoffs", cutoffs)
    results, errors = together(2, sweep_mod.sweep)
    assert not errors, errors
    assert sorted(r["red"] for r in results) == [0, 12]  # one sweep got them all
    per_case = Counter(Event.objects.filter(case_id__in=ids, action="overdue").values_list("case_id", flat=True))
    assert per_case == Counter({pk: 1 for pk in ids})
    red_notices = Counter(Notification.objects.filter(kind="red").values_list("case_id", "user_id"))
    assert red_notices and set(red_notices.values()) == {1}
    assert Notification.objects.filter(kind="overdue").count() == len(
        set(Notification.objects.filter(kind="overdue").values_list("user_id", flat=True)))
    from minqing.supervision.models import AlertMark

    marks = Counter(AlertMark.objects.filter(case_id__in=ids, level="red").values_list("case_id", flat=True))
    assert marks == Counter({pk: 1 for pk in ids})  # one claim each, written by the sweep that won
    # a later sweep finds nothing new
    monkeypatch.undo()
    assert sweep_mod.sweep()["red"] == 0
    assert Event.objects.filter(case_id__in=ids, action="overdue").count() == 12


class Receiver:
    """Counts POSTs per X-Minqing-Delivery id."""

    def __init__(self):
        self.seen = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.seen[self.headers["X-Minqing-Delivery"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def subscribers(transactional_db):
    webhooks.forget_subscriber_cache()
    earlier = timezone.now() - dt.timedelta(minutes=1)
    subs = [WebhookSubscriber.objects.create(name=f"hub-{i}", url=f"http://127.0.0.1:{PORT}/hook/{i}",
                                             created_at=earlier) for i in range(3)]
    yield subs
    webhooks.forget_subscriber_cache()


def test_two_webhook_workers_send_each_delivery_once(tworld, subscribers, monkeypatch):
    for i in range(5):
        register(tworld, text=f"路灯不亮第{i}处")
    assert webhooks.fan_out() == 15  # 5 registrations x 3 subscribers
    barrier = threading.Barrier(2, timeout=30)
    real = webhooks.candidates

    def candidates(now, limit):
        ids = real(now, limit)
        barrier.wait()  # both have read the same due ids before either claims
        return ids

    monkeypatch.setattr(webhooks, "candidates", candidates)
    with Receiver() as rx:
        results, errors = together(2, webhooks.deliver_due)
    assert not errors, errors
    ids = {str(d) for d in WebhookDelivery.objects.values_list("delivery_id", flat=True)}
    assert set(rx.seen) == ids and set(rx.seen.values()) == {1}  # every delivery once, none twice
    assert sum(s for s, _ in results) == 15
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert set(WebhookDelivery.objects.values_list("claimed_by", flat=True)) == {""}


def test_a_webhook_worker_killed_mid_send_is_taken_over(tworld, subscribers):
    register(tworld, text="路灯不亮")
    webhooks.fan_out()
    claimed = webhooks.claim()  # this worker dies now, before sending
    assert len(claimed) == 3
    with Receiver() as rx:
        assert webhooks.deliver_due() == (0, 0)  # its claim holds: nobody sends
        later = timezone.now() + webhooks.CLAIM_LEASE + dt.timedelta(seconds=1)
        assert webhooks.deliver_due(now=later) == (3, 0)
    assert sorted(rx.seen.values()) == [1, 1, 1]


def test_a_slow_batch_gives_up_what_another_worker_took_over(tworld, subscribers, monkeypatch):
    """A worker whose batch outlasted the lease (slow subscribers) must not send the deliveries
    another worker took over meanwhile: it renews its claim before each send and skips the lost."""
    register(tworld, text="路灯不亮")
    webhooks.fan_out()
    slow = webhooks.claim()  # this worker's batch …
    assert len(slow) == 3
    later = timezone.now() + webhooks.CLAIM_LEASE + dt.timedelta(seconds=1)
    with Receiver() as rx:
        assert webhooks.deliver_due(now=later) == (3, 0)  # … outlived its lease: another took it over
        monkeypatch.setattr(webhooks, "claim", lambda limit=500, now=None: slow)
        assert webhooks.deliver_due() == (0, 0)  # the slow worker gets on with its old batch: nothing sent
    assert sorted(rx.seen.values()) == [1, 1, 1]


def test_two_indexers_never_index_one_case_at_once(tworld, monkeypatch):
    ids = [register(tworld, text=f"朱亭村三组停水{i}天了").pk for i in range(8)]
    assert PendingIndex.objects.count() == 8
    barrier = threading.Barrier(2, timeout=30)
    real_candidates, real_index = indexing.candidates, indexing.index_cases
    indexed = Counter()
    lock = threading.Lock()

    def candidates(size, now):
        found = real_candidates(size, now)
        barrier.wait()  # both read the same pending cases before either claims
        return found

    def index_cases(rows, token=None):
        with lock:
            indexed.update(r["id"] for r in rows)
        return real_index(rows, token=token)

    monkeypatch.setattr(indexing, "candidates", candidates)
    monkeypatch.setattr(indexing, "index_cases", index_cases)
    results, errors = together(2, indexing.catch_up)
    assert not errors, errors
    assert sorted(results) == [0, 8]
    assert indexed == Counter({pk: 1 for pk in ids})
    assert CaseInsight.objects.filter(case_id__in=ids).count() == 8
    assert PendingIndex.objects.count() == 0


def test_an_indexer_killed_mid_batch_is_taken_over(tworld):
    ids = [register(tworld, text=f"垃圾没人清运{i}").pk for i in range(3)]
    token, claimed = indexing.claim(10)  # this indexer dies now
    assert sorted(claimed) == sorted(ids)
    assert indexing.catch_up() == 0  # its claim holds
    PendingIndex.objects.update(claimed_at=timezone.now() - indexing.CLAIM_LEASE - dt.timedelta(seconds=1))
    assert indexing.catch_up() == 3
    assert CaseInsight.objects.filter(case_id__in=ids).count() == 3
    # the dead indexer waking up late writes nothing over the new one's work
    rows = list(Case.objects.filter(pk__in=ids).values("id", "text", "address", "region__code"))
    assert indexing.index_cases(rows, token=token) == 0


def test_the_outbox_job_sends_each_notice_once_from_two_workers(tworld, settings, monkeypatch):
    """The notices outbox (its own tests race process(); here the worker's job itself)."""
    from minqing.notices import outbox
    from minqing.notices.models import Outbound

    sent = Counter()
    lock = threading.Lock()

    def send(row, sms=None):
        with lock:
            sent[row.body] += 1

    monkeypatch.setattr(outbox, "send", send)
    for i in range(10):
        Outbound.objects.create(channel="sms", recipient="13800001234", body=f"您的诉求已受理 {i}")
    barrier = threading.Barrier(2, timeout=30)
    real = outbox.candidates

    def candidates(now, limit):
        ids = real(now, limit)
        barrier.wait()
        return ids

    monkeypatch.setattr(outbox, "candidates", candidates)
    results, errors = together(2, outbox.run)
    assert not errors, errors
    assert len(sent) == 10 and set(sent.values()) == {1}
    assert sum(r["sent"] for r in results) == 10


def test_two_sweep_processes_at_once_write_each_overdue_event_once(tworld):
    """Two sweeping processes at the same instant on the same database (a smoke test across processes:
    their transactions last milliseconds, so the thread test above is the one that forces the overlap)."""
    import os
    import subprocess
    import sys

    ids = _overdue_cases(tworld, 10)
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{s['NAME']}"
    else:
        url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = dict(os.environ, MINQING_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="minqing.settings")
    start = time.time() + 8  # both set up, then sweep at the same instant
    script = ("import time, django\ndjango.setup()\nfrom minqing.supervision.sweep import sweep\n"
              f"time.sleep(max(0, {start} - time.time()))\nprint(sweep())")
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    per_case = Counter(Event.objects.filter(case_id__in=ids, action="overdue").values_list("case_id", flat=True))
    assert per_case == Counter({pk: 1 for pk in ids})
    assert Counter(Notification.objects.filter(kind="red").values_list("case_id", "user_id")).most_common(1)[0][1] == 1
