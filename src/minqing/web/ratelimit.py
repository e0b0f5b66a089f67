"""Per-client rate limit of the public forms: a sliding window, counted in the cache
(the database cache by default, so it holds across server processes; Redis with
``MINQING_REDIS_URL``, so it holds across every server of a cluster).

``(count, seconds)`` means at most ``count`` accepted requests in ANY ``seconds``-long
span: the times of the accepted ones are kept (at most ``count`` of them per client), so
there is no window boundary at which twice the limit could pass, as with fixed windows
(``count`` at the end of one window and ``count`` more at the start of the next).
A refused request is not counted: a client that keeps trying gets in again as soon as its
oldest accepted request is ``seconds`` old.

Two processes updating one client's times at once are serialised by a short lock
(``cache.add``, atomic in every Django cache backend); if the lock cannot be had within a
second (a stuck holder), the request is counted without it.
"""

import math
import time

from django.core.cache import cache

from .conf import web_setting

LOCK_WAIT = 1.0  # seconds to wait for another process's update of the same client
_clock = time.time  # tests move it


def limits(name):
    return web_setting(name)


def _key(bucket, client):
    return f"mq-rl2:{bucket}:{str(client)[:100]}"


class _Lock:
    def __init__(self, key):
        self.key = key + ":lock"
        self.held = False

    def __enter__(self):
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            if cache.add(self.key, 1, timeout=5):
                self.held = True
                return self
            if time.monotonic() >= deadline:
                return self
            time.sleep(0.005)

    def __exit__(self, *exc):
        if self.held:
            cache.delete(self.key)


def _recent(key, now, seconds):
    stamps = cache.get(key) or []
    return [t for t in stamps if isinstance(t, (int, float)) and now - seconds < t <= now + 1]


def hit(bucket, client, name):
    """Count one request of ``client``; True when it is over the limit (count, seconds) of
    ``name`` (and then it is not counted)."""
    count, seconds = limits(name)
    key = _key(bucket, client)
    with _Lock(key):
        now = _clock()
        stamps = _recent(key, now, seconds)
        if len(stamps) >= count:
            return True
        stamps.append(now)
        cache.set(key, stamps[-count:], timeout=int(seconds) + 5)
        return False


def retry_after(name, bucket=None, client=None):
    """Seconds until ``client`` may send again: until its oldest counted request leaves the
    window; without a client, the whole window (an upper bound)."""
    count, seconds = limits(name)
    if bucket is None or client is None:
        return int(seconds)
    now = _clock()
    stamps = _recent(_key(bucket, client), now, seconds)
    if len(stamps) < count:
        return 0
    return max(1, math.ceil(stamps[-count] + seconds - now))
