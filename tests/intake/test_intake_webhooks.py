"""Webhooks: outbox in the event's transaction, signed deliveries, retries with back-off,
exactly-once by delivery id, pausing a subscriber that keeps failing."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from minqing.cases import actions
from minqing.intake import webhooks
from minqing.intake.models import WebhookDelivery, WebhookOutbox, WebhookSubscriber

PORT = 8142


class Receiver:
    """A tiny HTTP receiver: fails the first ``fail_first`` requests with 500, then accepts,
    keeping what it accepted by delivery id (so a retry of a delivered id is not processed twice)."""

    def __init__(self, fail_first=0, always_fail=False):
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.requests = []
        self.accepted = {}
        self.processed = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                if receiver.always_fail or len(receiver.requests) <= receiver.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    return
                did = self.headers["X-Minqing-Delivery"]
                if did not in receiver.accepted:
                    receiver.accepted[did] = (dict(self.headers), body)
                    receiver.processed.append(json.loads(body)["event"]["id"])
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


EARLIER = dt.timedelta(minutes=1)  # subscribers are served from GRACE after creation; tests make them older


@pytest.fixture(autouse=True)
def _fresh_cache():
    webhooks.forget_subscriber_cache()
    yield
    webhooks.forget_subscriber_cache()


@pytest.fixture
def subscriber(db):
    return WebhookSubscriber.objects.create(name="city-hub", url=f"http://127.0.0.1:{PORT}/hook",
                                            created_at=timezone.now() - EARLIER)


def _register(world, text="朱亭村停水"):
    disp = world.actor("disp_zt")
    case = actions.register(disp, text=text, channel="hotline", kind="complaint", category="water_supply",
                            region="430212101201", reporter_name="李小红", reporter_phone="13800001234")
    actions.assign(disp, case, department="lk-water")
    return case


def test_no_subscriber_no_outbox(world):
    _register(world)
    assert WebhookOutbox.objects.count() == 0


def test_outbox_row_is_written_in_the_event_transaction(world, subscriber):
    before = WebhookOutbox.objects.count()
    _register(world)
    assert WebhookOutbox.objects.count() == before + 2  # register, assign
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            _register(world, "回滚")
            raise RuntimeError("rolled back")
    assert WebhookOutbox.objects.count() == before + 2


def test_fails_twice_then_succeeds_each_event_exactly_once(world, subscriber, settings):
    settings.MINQING_WEBHOOK_BACKOFF = 0
    case = _register(world)
    events = list(case.events.values_list("id", flat=True))
    with Receiver(fail_first=2) as rx:
        results = [webhooks.run() for _ in range(4)]
    assert results[0] == {"queued": 2, "sent": 0, "failed": 1}
    assert results[1] == {"queued": 0, "sent": 0, "failed": 1}
    assert results[2] == {"queued": 0, "sent": 2, "failed": 0}
    assert results[3] == {"queued": 0, "sent": 0, "failed": 0}
    # each event processed once, in order, though the first was sent three times
    assert rx.processed == events
    ids = [h["X-Minqing-Delivery"] for h, _ in rx.requests]
    assert len(rx.requests) == 4 and ids[0] == ids[1] == ids[2] != ids[3]
    # signed: HMAC-SHA256 over the body with the subscriber's secret
    for headers, body in rx.accepted.values():
        want = "sha256=" + hmac.new(subscriber.secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Minqing-Signature"], want)
        payload = json.loads(body)
        assert payload["delivery_id"] == headers["X-Minqing-Delivery"]
        assert payload["case"]["tracking_code"] == case.tracking_code
        assert "李小红" not in body.decode() and "13800001234" not in body.decode()
    d1, d2 = WebhookDelivery.objects.order_by("id")
    assert (d1.status, d1.attempts, d1.last_status) == ("delivered", 3, 204)
    assert (d2.status, d2.attempts) == ("delivered", 1)
    subscriber.refresh_from_db()
    assert subscriber.consecutive_failures == 0 and subscriber.active
    # a second fan-out of the same events cannot duplicate deliveries
    for e in events:
        WebhookOutbox.objects.create(event_id=e)
    assert webhooks.fan_out() == 2 and WebhookDelivery.objects.count() == 2


def test_backoff_waits_before_retrying(world, subscriber, settings):
    settings.MINQING_WEBHOOK_BACKOFF = 30
    _register(world)
    sec = dt.timedelta(seconds=1)
    with Receiver(always_fail=True) as rx:
        t0 = timezone.now()
        webhooks.run()
        t1 = timezone.now()
        assert len(rx.requests) == 1
        webhooks.run()
        assert len(rx.requests) == 1  # not due yet, and the next event waits behind it (order kept)
        d = WebhookDelivery.objects.order_by("id").first()
        assert t0 + 30 * sec <= d.next_attempt_at <= t1 + 30 * sec
        t0 = timezone.now()
        webhooks.deliver_due(now=d.next_attempt_at)
        t1 = timezone.now()
        assert len(rx.requests) == 2
        d.refresh_from_db()
        assert t0 + 60 * sec <= d.next_attempt_at <= t1 + 60 * sec  # doubled
    assert webhooks.backoff(20) == webhooks.MAX_BACKOFF


def test_a_subscriber_that_keeps_failing_is_paused_not_lost(world, subscriber, settings):
    settings.MINQING_WEBHOOK_BACKOFF = 0
    settings.MINQING_WEBHOOK_PAUSE_AFTER = 3
    _register(world)
    with Receiver(always_fail=True) as rx:
        for _ in range(5):
            webhooks.run()
        assert len(rx.requests) == 3
    subscriber.refresh_from_db()
    assert not subscriber.active and "3" in subscriber.paused_reason
    assert WebhookDelivery.objects.filter(status="pending").count() == 2
    _register(world, "暂停期间的新事件")  # still queued for the paused subscriber
    webhooks.run()
    assert WebhookDelivery.objects.filter(status="pending").count() == 4
    webhooks.resume(subscriber)
    with Receiver() as rx:
        webhooks.run()
        assert len(rx.processed) == 4
    assert not WebhookDelivery.objects.filter(status="pending").exists()


def test_action_filter_and_late_subscribers(world, subscriber, settings):
    settings.MINQING_WEBHOOK_BACKOFF = 0
    sub = WebhookSubscriber.objects.create(name="handled-only", url=f"http://127.0.0.1:{PORT}/h", actions=["handle"])
    case = _register(world, "订阅生效之前")
    actions.accept(world.actor("water"), case)
    actions.handle(world.actor("water"), case, result="已修复", disposition="solved")
    webhooks.fan_out()
    assert not WebhookDelivery.objects.filter(subscriber=sub).exists()  # not served before its grace ends
    WebhookSubscriber.objects.filter(pk=sub.pk).update(created_at=timezone.now() - EARLIER)
    WebhookDelivery.objects.all().delete()
    case = _register(world, "订阅之后")
    actions.accept(world.actor("water"), case)
    actions.handle(world.actor("water"), case, result="已修复", disposition="solved")
    with Receiver() as rx:
        webhooks.run()
    assert WebhookDelivery.objects.get(subscriber=sub).action == "handle"
    assert len(rx.processed) == 5 and rx.processed.count(case.events.get(action="handle").pk) == 2
    assert WebhookDelivery.objects.filter(subscriber=subscriber).count() == 4  # register, assign, accept, handle


def test_command_manages_subscribers(db, capsys):
    from django.core.management import call_command

    call_command("open311", "webhook", "add", "hub", "http://127.0.0.1:8142/x", "--actions", "register,handle")
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    sub = WebhookSubscriber.objects.get(name="hub")
    assert sub.secret == secret and sub.actions == ["register", "handle"]
    call_command("open311", "webhook", "pause", "hub")
    assert not WebhookSubscriber.objects.get(name="hub").active
    call_command("open311", "webhook", "resume", "hub")
    assert WebhookSubscriber.objects.get(name="hub").active
