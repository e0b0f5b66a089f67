"""Per-client rate limit of the public forms, counted in the cache (the database
cache by default, so it holds across server processes)."""

import time

from django.core.cache import cache

from .conf import web_setting


def limits(name):
    return web_setting(name)


def hit(bucket, client, name):
    """Count one request; True when it is over the limit (count, seconds) of ``name``."""
    count, seconds = limits(name)
    window = int(time.time() // seconds)
    key = f"mq-rl:{bucket}:{client}:{window}"
    if cache.add(key, 1, timeout=seconds + 5):
        used = 1
    else:
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=seconds + 5)
            used = 1
    return used > count


def retry_after(name):
    _, seconds = limits(name)
    return seconds - int(time.time()) % seconds
