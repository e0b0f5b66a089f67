"""The worker job that sends the outbox (``Outbound``).

A worker CLAIMS due rows with one conditional UPDATE (``… SET status='sending',
claimed_by=<token> WHERE id IN (…) AND <still due>``): a row another worker
claimed in between no longer matches, so two workers never send one message
twice. It then sends each claimed row through its channel and records the
outcome (again conditioned on its own claim). A failure leaves the row pending
with ``next_attempt_at`` pushed back (MINQING_NOTICE_BACKOFF seconds, doubled per
attempt, at most six hours); after MINQING_NOTICE_MAX_ATTEMPTS attempts it is
``failed`` and kept (admin: 重新发送). A claim older than CLAIM_LEASE (a worker
that died mid-send) is taken over.
"""

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from . import channels
from .models import Outbound

log = logging.getLogger("minqing.notices")
MAX_BACKOFF = 6 * 3600
# a claim older than this is a dead worker's (MINQING_CLAIM_LEASE_SECONDS, default 600)
CLAIM_LEASE = dt.timedelta(seconds=settings.MINQING_CLAIM_LEASE_SECONDS)


def _setting(name, default):
    return getattr(settings, name, default)


def backoff(attempts):
    base = float(_setting("MINQING_NOTICE_BACKOFF", 60))
    return min(MAX_BACKOFF, base * (2 ** max(0, attempts - 1)))


def _due(now):
    return Q(status=Outbound.PENDING, next_attempt_at__lte=now) | Q(status=Outbound.SENDING,
                                                                   claimed_at__lt=now - CLAIM_LEASE)


def candidates(now, limit):
    return list(Outbound.objects.filter(_due(now)).order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])


def claim(limit=100, now=None):
    """Take up to ``limit`` due rows for this worker; returns them (attempts already counted)."""
    now = now or timezone.now()
    ids = candidates(now, limit)
    if not ids:
        return []
    token = uuid.uuid4().hex
    Outbound.objects.filter(_due(now), pk__in=ids).update(
        status=Outbound.SENDING, claimed_by=token, claimed_at=now, attempts=F("attempts") + 1
    )
    return list(Outbound.objects.filter(claimed_by=token, status=Outbound.SENDING).order_by("id"))


def send(row, sms=None):
    if row.channel == Outbound.SMS:
        (sms or channels.sms_backend()).send(row.recipient, row.body)
    elif row.channel == Outbound.EMAIL:
        channels.send_email(row.recipient, row.subject, row.body)
    else:
        raise channels.SendError(f"unknown channel {row.channel}")


def _finish(row, **fields):
    Outbound.objects.filter(pk=row.pk, claimed_by=row.claimed_by, status=Outbound.SENDING).update(**fields)


def process(limit=100, now=None):
    """Claim and send one batch. Returns (sent, failed)."""
    rows = claim(limit, now)
    sent = failed = 0
    sms = None
    max_attempts = int(_setting("MINQING_NOTICE_MAX_ATTEMPTS", 12))
    for row in rows:
        # still ours? renew the claim just before sending: a slow batch gives up what another
        # worker took over after the lease instead of sending it twice
        if not Outbound.objects.filter(pk=row.pk, claimed_by=row.claimed_by, status=Outbound.SENDING).update(
                claimed_at=timezone.now()):
            continue
        try:
            if row.channel == Outbound.SMS and sms is None:
                sms = channels.sms_backend()
            send(row, sms)
        except Exception as e:  # noqa: BLE001 - any failure of a channel: keep the message, retry later
            failed += 1
            error = str(e)[:500] or type(e).__name__
            if row.attempts >= max_attempts:
                _finish(row, status=Outbound.FAILED, last_error=error, claimed_by="")
                log.warning("outbound #%s failed %s times, stopped: %s", row.pk, row.attempts, error)
            else:
                _finish(row, status=Outbound.PENDING, last_error=error, claimed_by="",
                        next_attempt_at=timezone.now() + dt.timedelta(seconds=backoff(row.attempts)))
            continue
        sent += 1
        _finish(row, status=Outbound.SENT, sent_at=timezone.now(), last_error="", claimed_by="")
    return sent, failed


def run():
    """The worker job: send what is due, a few batches per turn."""
    sent = failed = 0
    for _ in range(10):
        s, f = process()
        sent, failed = sent + s, failed + f
        if s + f < 100:
            break
    return {"sent": sent, "failed": failed}


def retry(queryset):
    """Send failed rows again (admin action)."""
    return queryset.filter(status=Outbound.FAILED).update(status=Outbound.PENDING, next_attempt_at=timezone.now(),
                                                          attempts=0)
