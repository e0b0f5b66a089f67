"""The outbox: claims by a conditional UPDATE (two workers never send one message twice),
retries with back-off, gives up after MINQING_NOTICE_MAX_ATTEMPTS and keeps the row,
e-mail through Django's mail backend, SMS through the generic HTTP gateway (a fake one
on 127.0.0.1), and a failing gateway never blocks a transition nor loses a message."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from minqing.cases import actions
from minqing.cases.models import State
from minqing.notices import channels, outbox
from minqing.notices.models import Outbound


class Recorder:
    """An SMS backend that records what it was asked to send."""

    sent = []
    lock = threading.Lock()

    def send(self, phone, text):
        with self.lock:
            Recorder.sent.append((phone, text))


class Failing:
    def send(self, phone, text):
        raise RuntimeError("gateway down")


@pytest.fixture
def backend(monkeypatch):
    """use(cls): the SMS backend the worker gets."""
    Recorder.sent = []

    def use(cls):
        monkeypatch.setattr(channels, "sms_backend", cls)

    use(Recorder)
    return use


@pytest.fixture
def gateway():
    """A tiny SMS gateway on 127.0.0.1: answers the scripted statuses in turn (then 200), records bodies."""

    class Gateway:
        statuses = []
        received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            Gateway.received.append({"body": body, "content_type": self.headers.get("Content-Type"),
                                     "token": self.headers.get("X-Token")})
            status = Gateway.statuses.pop(0) if Gateway.statuses else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"busy")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    yield Gateway
    server.shutdown()
    server.server_close()


def sms(n=1, **kw):
    return [Outbound.objects.create(channel="sms", recipient=f"1381234{i:04d}", body=f"消息 {i}", **kw) for i in range(n)]


def test_sends_due_rows_once(db, backend):
    rows = sms(3)
    later = Outbound.objects.create(channel="sms", recipient="13900000000", body="以后再发",
                                    next_attempt_at=timezone.now() + dt.timedelta(hours=1))
    assert outbox.run() == {"sent": 3, "failed": 0}
    assert sorted(t for _, t in Recorder.sent) == sorted(r.body for r in rows)
    assert set(Outbound.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)) == {"sent"}
    later.refresh_from_db()
    assert later.status == "pending" and later.attempts == 0
    assert outbox.run() == {"sent": 0, "failed": 0}  # nothing sent twice
    assert len(Recorder.sent) == 3


def test_failure_backs_off_then_gives_up_and_keeps_the_row(db, settings, backend):
    backend(Failing)
    settings.MINQING_NOTICE_BACKOFF = 60
    settings.MINQING_NOTICE_MAX_ATTEMPTS = 3
    (row,) = sms(1)
    t0 = timezone.now()
    assert outbox.process() == (0, 1)
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1 and "gateway down" in row.last_error
    assert 55 <= (row.next_attempt_at - t0).total_seconds() <= 70
    assert outbox.process() == (0, 0)  # not due yet
    assert outbox.process(now=row.next_attempt_at) == (0, 1)
    row.refresh_from_db()
    assert row.attempts == 2 and 115 <= (row.next_attempt_at - t0).total_seconds() <= 135  # doubled
    assert outbox.process(now=row.next_attempt_at) == (0, 1)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 3  # kept, for the admin to send again
    assert outbox.process(now=timezone.now() + dt.timedelta(days=1)) == (0, 0)
    assert outbox.retry(Outbound.objects.all()) == 1
    backend(Recorder)
    assert outbox.process() == (1, 0)


def test_a_worker_that_died_mid_send_is_taken_over(db, backend):
    (row,) = sms(1)
    claimed = outbox.claim()
    assert [r.pk for r in claimed] == [row.pk]
    assert outbox.process() == (0, 0)  # claimed by the other worker: not sent again
    assert outbox.process(now=timezone.now() + outbox.CLAIM_LEASE + dt.timedelta(seconds=1)) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_one_message_twice(backend, monkeypatch):
    """Both workers read the same due ids before either claims; the conditional UPDATE
    gives each row to one of them."""
    rows = sms(40)
    barrier = threading.Barrier(2, timeout=20)
    real = outbox.candidates

    def candidates(now, limit):
        ids = real(now, limit)
        barrier.wait()  # both have read the same ids
        return ids

    monkeypatch.setattr(outbox, "candidates", candidates)
    results, errors = [], []

    def worker():
        try:
            results.append(outbox.process(limit=100))
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    texts = [t for _, t in Recorder.sent]
    assert sorted(texts) == sorted(r.body for r in rows)  # every message once, none twice
    assert sum(s for s, _ in results) == 40
    assert set(Outbound.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Outbound.objects.values_list("attempts", flat=True)) == {1}


def test_email_through_djangos_mail_backend(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MINQING_NOTICE_EMAIL_KINDS = ["summoned"]
    world.users["roads"].email = "roads@example.org"
    world.users["roads"].save()
    case = actions.register(world.actor("disp_zt"), text="路面塌陷", channel="hotline", kind="complaint",
                            category="roads_transport", region="430212101201")
    actions.assign(world.actor("disp_zt"), case, department="lk-water")
    actions.whistle(world.actor("disp_zt"), case, departments=["lk-roads"])
    assert outbox.run() == {"sent": 1, "failed": 0}
    assert len(mail.outbox) == 1
    m = mail.outbox[0]
    assert m.to == ["roads@example.org"] and case.tracking_code in m.subject and f"/case/{case.pk}/" in m.body


def test_http_gateway_500_then_200_loses_nothing_and_blocks_no_transition(world, settings, gateway):
    settings.MINQING_SMS_BACKEND = "minqing.notices.channels.HttpSmsBackend"
    settings.MINQING_SMS_HTTP_URL = gateway.url
    settings.MINQING_SMS_HTTP_TEMPLATE = '{"to": "{phone}", "content": "{text}", "sign": "民情"}'
    settings.MINQING_SMS_HTTP_HEADERS = {"X-Token": "t0k"}
    settings.MINQING_NOTICE_BACKOFF = 30
    gateway.statuses = [500]
    case = actions.register(world.actor("disp_zt"), text="停水", channel="hotline", kind="complaint",
                            category="water_supply", region="430212101201", reporter_phone="13812345678",
                            reporter_name='王"五')
    assert case.state == State.REGISTERED  # the registration does not wait for the gateway
    assert outbox.process() == (0, 1)
    row = Outbound.objects.get()
    assert row.status == "pending" and row.attempts == 1 and "HTTP 500" in row.last_error
    # the next transition goes through while the message waits
    actions.assign(world.actor("disp_zt"), case, department="lk-water")
    assert outbox.process(now=row.next_attempt_at) == (1, 0)
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and row.sent_at is not None
    assert len(gateway.received) == 2
    body = json.loads(gateway.received[-1]["body"])
    assert body["to"] == "13812345678" and case.tracking_code in body["content"] and body["sign"] == "民情"
    assert gateway.received[-1]["content_type"] == "application/json" and gateway.received[-1]["token"] == "t0k"


def test_http_gateway_form_body_and_unreachable_gateway(db, settings):
    from minqing.notices.channels import HttpSmsBackend, SendError

    settings.MINQING_SMS_HTTP_URL = "http://127.0.0.1:9/nothing-listens-here"
    settings.MINQING_SMS_HTTP_CONTENT_TYPE = "application/x-www-form-urlencoded"
    settings.MINQING_SMS_HTTP_TEMPLATE = "mobile={phone}&msg={text}"
    backend = HttpSmsBackend()
    assert backend.body("138", "a&b 查询") == b"mobile=138&msg=a%26b+%E6%9F%A5%E8%AF%A2"
    with pytest.raises(SendError):
        backend.send("13812345678", "x")


def test_admin_lists_the_outbox_with_phones_masked_and_sends_failed_ones_again(world, client):
    (row,) = sms(1)
    Outbound.objects.filter(pk=row.pk).update(status="failed", attempts=12, last_error="HTTP 500")
    client.force_login(world.users["admin"])
    world.users["admin"].is_staff = True
    world.users["admin"].save()
    html = client.get("/admin/notices/outbound/").content.decode()
    assert "138****0000" in html
    assert row.recipient not in html
    page = client.get(f"/admin/notices/outbound/{row.pk}/change/")
    assert page.status_code == 200 and row.recipient not in page.content.decode()
    resp = client.post("/admin/notices/outbound/", {"action": "send_again", "_selected_action": [row.pk]})
    assert resp.status_code == 302
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 0
    templates = client.get("/admin/notices/messagetemplate/")
    assert templates.status_code == 200
