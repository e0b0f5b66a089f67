"""Webhooks: other systems subscribe to case events.

1. ``on_event`` (a receiver of ``cases.signals.event_recorded``) writes one
   ``WebhookOutbox`` row in the transaction that wrote the event (one INSERT;
   it commits or rolls back with the transition). Without any subscriber it
   writes nothing (checked at most every 5 s per process); a new subscriber
   gets the events recorded from 10 s after its creation on.
2. The worker job ``run`` fans outbox rows out into one ``WebhookDelivery``
   per interested subscriber (unique per subscriber and event, so a repeated
   fan-out cannot duplicate), then sends due deliveries: POST of a JSON body
   signed with HMAC-SHA256 (``X-Minqing-Signature: sha256=<hex>``) under the
   subscriber's secret, with a stable ``X-Minqing-Delivery`` id the receiver
   uses to recognise a retry. A worker first CLAIMS the due deliveries with
   one conditional UPDATE (``… SET claimed_by=<token> WHERE id IN (…) AND
   unclaimed``), so two workers never send one delivery; a claim older than
   ``CLAIM_LEASE`` (a worker killed mid-send) is taken over by the next.
3. A failed delivery is retried with exponential back-off (base
   ``MINQING_WEBHOOK_BACKOFF`` seconds, doubled per attempt, capped at an
   hour). A subscriber that fails ``MINQING_WEBHOOK_PAUSE_AFTER`` times in a
   row is paused: its deliveries wait, nothing is dropped, and ``resume``
   (admin action or ``minqing open311 webhook resume NAME``) sends them on.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from minqing.cases.models import Event

from .models import WebhookDelivery, WebhookOutbox, WebhookSubscriber

log = logging.getLogger("minqing.webhooks")
MAX_BACKOFF = 3600
# a claim older than this is a dead worker's: another worker sends the delivery again
# (the receiver recognises the repeat by its X-Minqing-Delivery id)
# a claim older than this is a dead worker's (MINQING_CLAIM_LEASE_SECONDS, default 600)
CLAIM_LEASE = dt.timedelta(seconds=settings.MINQING_CLAIM_LEASE_SECONDS)


# Whether any subscriber exists, re-read at most every CHECK_SECONDS per process, so a
# deployment without webhooks pays nothing per event. A new subscriber is served from
# GRACE seconds after its creation, by which time every process has seen it.
CHECK_SECONDS = 5
GRACE = dt.timedelta(seconds=2 * CHECK_SECONDS)
_any = {"value": None, "at": -1e9}


def _subscribers_exist():
    now = time.monotonic()
    if now - _any["at"] > CHECK_SECONDS:
        _any["value"] = WebhookSubscriber.objects.exists()
        _any["at"] = now
    return _any["value"]


def forget_subscriber_cache():
    _any["at"] = -1e9


def on_event(sender, event, case, **kwargs):
    if _subscribers_exist():
        WebhookOutbox.objects.create(event_id=event.pk)


def _setting(name, default):
    return getattr(settings, name, default)


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _iso(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def payload(event):
    """What a subscriber gets: the event and the case's public fields (no reporter data)."""
    c = event.case
    return {
        "event": {
            "id": event.pk,
            "action": event.action,
            "from_state": event.from_state or None,
            "to_state": event.to_state,
            "at": _iso(event.at),
            "actor": event.actor_label or None,
            "note": event.note if event.public else "",
            "public": event.public,
            "data": event.data,
        },
        "case": {
            "id": c.pk,
            "tracking_code": c.tracking_code,
            "external_id": c.external_id or None,
            "state": c.state,
            "channel": c.channel,
            "kind": c.kind,
            "category": c.category.code if c.category_id else None,
            "region": c.region.code if c.region_id else None,
            "lead_department": c.lead_department.code if c.lead_department_id else None,
            "deadline": _iso(c.deadline),
            "registered_at": _iso(c.registered_at),
        },
    }


def fan_out(batch=500):
    """Turn outbox rows into deliveries. Returns the number of deliveries created."""
    created = 0
    while True:
        with transaction.atomic():
            rows = list(WebhookOutbox.objects.order_by("id")[:batch])
            if not rows:
                return created
            subscribers = list(WebhookSubscriber.objects.all())
            events = {
                e.pk: e
                for e in Event.objects.filter(pk__in=[r.event_id for r in rows]).select_related(
                    "case__category", "case__region", "case__lead_department"
                )
            }
            new = []
            for r in rows:
                e = events.get(r.event_id)
                if e is None:
                    continue
                body = None
                for s in subscribers:
                    if s.created_at + GRACE > r.created_at or not s.wants(e.action, e.public):
                        continue
                    body = body or payload(e)
                    new.append(WebhookDelivery(subscriber=s, event_id=e.pk, action=e.action, payload=body))
            WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True)
            WebhookOutbox.objects.filter(pk__in=[r.pk for r in rows]).delete()
            created += len(new)


def backoff(attempts):
    base = float(_setting("MINQING_WEBHOOK_BACKOFF", 30))
    return min(MAX_BACKOFF, base * (2 ** max(0, attempts - 1)))


def pause(subscriber, reason):
    subscriber.active = False
    subscriber.paused_at = timezone.now()
    subscriber.paused_reason = reason[:300]
    subscriber.save(update_fields=["active", "paused_at", "paused_reason"])


def resume(subscriber):
    subscriber.active = True
    subscriber.paused_at = None
    subscriber.paused_reason = ""
    subscriber.consecutive_failures = 0
    subscriber.save(update_fields=["active", "paused_at", "paused_reason", "consecutive_failures"])
    subscriber.deliveries.filter(status=WebhookDelivery.PENDING).update(next_attempt_at=timezone.now())


def _post(client, subscriber, delivery):
    body = json.dumps(
        {"delivery_id": str(delivery.delivery_id), **delivery.payload}, ensure_ascii=False, sort_keys=True
    ).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "minqing-webhooks/1",
        "X-Minqing-Delivery": str(delivery.delivery_id),
        "X-Minqing-Event": delivery.action,
        "X-Minqing-Signature": sign(subscriber.secret, body),
    }
    return client.post(subscriber.url, content=body, headers=headers)


def _unclaimed(now):
    return Q(claimed_by="") | Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)


def candidates(now, limit):
    """Ids of the deliveries due now: the pending queues of active subscribers whose head
    is due and that no other worker is sending (a fresh claim), oldest first."""
    # a subscriber's deliveries go out in order: its queue moves only when its head is due
    heads = (
        WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING, subscriber__active=True)
        .values("subscriber").annotate(first=Min("id")).values_list("first", flat=True)
    )
    due_subs = set(
        WebhookDelivery.objects.filter(id__in=list(heads), next_attempt_at__lte=now).values_list("subscriber", flat=True)
    )
    busy = set(
        WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING, subscriber_id__in=due_subs)
        .exclude(_unclaimed(now)).values_list("subscriber", flat=True)
    )
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING, subscriber_id__in=due_subs - busy)
        .order_by("id").values_list("id", flat=True)[:limit]
    )


def claim(limit=500, now=None):
    """Claim due deliveries for this worker with one conditional UPDATE: a delivery
    another worker claimed in between no longer matches, so each is sent by one worker."""
    now = now or timezone.now()
    ids = candidates(now, limit)
    if not ids:
        return []
    token = uuid.uuid4().hex
    WebhookDelivery.objects.filter(_unclaimed(now), pk__in=ids, status=WebhookDelivery.PENDING).update(
        claimed_by=token, claimed_at=now)
    return list(WebhookDelivery.objects.filter(claimed_by=token, status=WebhookDelivery.PENDING)
                .select_related("subscriber").order_by("id"))


def _finish(d, **fields):
    """Record a delivery's outcome, only while it is still this worker's claim."""
    return WebhookDelivery.objects.filter(pk=d.pk, claimed_by=d.claimed_by).update(claimed_by="", **fields)


def _renew(d):
    """Still this worker's claim? Then renew it now, just before sending. A batch takes as long
    as its subscribers answer: renewing per delivery keeps the one being sent (and so the
    subscriber's queue) this worker's, and gives up any that another worker took over after
    the lease, instead of sending it a second time."""
    return WebhookDelivery.objects.filter(pk=d.pk, claimed_by=d.claimed_by, status=WebhookDelivery.PENDING).update(
        claimed_at=timezone.now()) == 1


def deliver_due(limit=500, now=None):
    """Send due deliveries of active subscribers, oldest first; one failure stops
    that subscriber's queue for this round (keeps order). Returns (sent, failed)."""
    import httpx

    now = now or timezone.now()
    timeout = float(_setting("MINQING_WEBHOOK_TIMEOUT", 10))
    pause_after = int(_setting("MINQING_WEBHOOK_PAUSE_AFTER", 10))
    due = claim(limit, now)
    blocked, sent, failed = set(), 0, 0
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for d in due:
            s = d.subscriber
            if s.pk in blocked:
                _finish(d)  # back to the queue, unclaimed
                continue
            if not _renew(d):
                continue  # held past the lease (a slow batch): another worker has taken it over
            error, status = "", None
            try:
                resp = _post(client, s, d)
                status = resp.status_code
                ok = 200 <= status < 300
                if not ok:
                    error = f"HTTP {status}"
            except httpx.HTTPError as e:
                ok, error = False, f"{type(e).__name__}: {e}"[:500]
            if ok:
                _finish(d, status=WebhookDelivery.DELIVERED, delivered_at=timezone.now(), last_error="",
                        attempts=F("attempts") + 1, last_status=status)
                if s.consecutive_failures:
                    s.consecutive_failures = 0
                    s.save(update_fields=["consecutive_failures"])
                sent += 1
                continue
            failed += 1
            blocked.add(s.pk)
            _finish(d, attempts=F("attempts") + 1, last_status=status, last_error=error,
                    next_attempt_at=timezone.now() + dt.timedelta(seconds=backoff(d.attempts + 1)))
            s.consecutive_failures += 1
            s.save(update_fields=["consecutive_failures"])
            if s.consecutive_failures >= pause_after:
                pause(s, f"连续失败{s.consecutive_failures}次 / failed {s.consecutive_failures} times in a row: {error}")
                log.warning("webhook subscriber %s paused after %s failures", s.name, s.consecutive_failures)
    return sent, failed


def run():
    """The worker job: fan out, then deliver what is due."""
    created = fan_out()
    sent, failed = deliver_due()
    return {"queued": created, "sent": sent, "failed": failed}
