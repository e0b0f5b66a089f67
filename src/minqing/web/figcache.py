"""Figures of the pages (dashboard, board, supervisor summaries), computed once per
change of the data. Over a million cases computing is the slow part; see bench/pages.py."""

import contextlib
import contextvars
import hashlib
import time

from django.core.cache import cache
from django.db.models import Max

from minqing.cases.models import Event

from .conf import web_setting

_refreshing = contextvars.ContextVar("minqing_figures_refreshing", default=False)


def _data_version():
    """Changes whenever a case changes: every transition appends an event."""
    return Event.objects.aggregate(m=Max("id"))["m"] or 0


@contextlib.contextmanager
def refreshing():
    """Inside this block (the worker's ``warm_pages``), figures older than
    ``FIGURES_MAX_STALE`` whose data changed are recomputed however slow they are."""
    token = _refreshing.set(True)
    try:
        yield
    finally:
        _refreshing.reset(token)


def cached_figures(key, compute):
    """The figures of a page and the time they were computed, computed once per change of the data.

    Each entry remembers the data version (the last event id) it was computed at and
    how long computing took. It is reused while that is still the last event, or for
    ``FIGURES_MAX_STALE`` seconds (default 120) after it was computed, so that a busy
    system does not recompute a million-case dashboard for every new event.

    A page request does not wait for a slow computation when an older entry exists:
    figures that took longer than ``FIGURES_SLOW`` seconds (default 1) are served,
    with their time, for up to ``FIGURES_MAX_SERVE_STALE`` seconds (default 900) while
    the worker's ``warm_pages`` job (every minute) recomputes them. Only a window nobody
    opened before, or one older than that, is computed during the request."""
    max_stale = web_setting("FIGURES_MAX_STALE")
    version = _data_version()
    key = "mq-fig:" + hashlib.sha1(key.encode()).hexdigest()
    hit = cache.get(key)
    now = time.time()
    if hit is not None:
        age = now - hit["at"]
        if hit["version"] == version or age < max_stale:
            return hit["data"], hit["at"]
        slow = hit.get("took", 0) >= web_setting("FIGURES_SLOW")
        if not _refreshing.get() and slow and age < web_setting("FIGURES_MAX_SERVE_STALE"):
            return hit["data"], hit["at"]
    started = time.perf_counter()
    data = compute()
    took = time.perf_counter() - started
    cache.set(key, {"version": version, "at": now, "took": took, "data": data}, timeout=24 * 3600)
    return data, now
