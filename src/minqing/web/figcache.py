"""Figures of the pages (dashboard, board, supervisor summaries), computed once per
change of the data. Over a million cases computing is the slow part; see bench/pages.py."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max

from minqing.cases.models import Event


def _data_version():
    """Changes whenever a case changes: every transition appends an event."""
    return Event.objects.aggregate(m=Max("id"))["m"] or 0


def cached_figures(key, compute):
    """The figures of a page, computed once per change of the data.

    Each entry remembers the data version (the last event id) it was computed at;
    it is reused while that is still the last event, or for ``FIGURES_MAX_STALE``
    seconds (default 120) after it was computed, so that a busy system does not
    recompute a million-case dashboard for every new event. Computing is the slow
    part (``bench/pages.py`` measures both)."""
    max_stale = getattr(settings, "MINQING_WEB", {}).get("FIGURES_MAX_STALE", 120)
    version = _data_version()
    key = "mq-fig:" + hashlib.sha1(key.encode()).hexdigest()
    hit = cache.get(key)
    now = time.time()
    if hit is not None and (hit["version"] == version or now - hit["at"] < max_stale):
        return hit["data"], hit["at"]
    data = compute()
    cache.set(key, {"version": version, "at": now, "data": data}, timeout=24 * 3600)
    return data, now
