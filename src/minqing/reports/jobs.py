"""The worker job ``reports``: each ended period's report (week, month, quarter, year) of each
reporting region, generated once and archived (``actions.generate_archived`` claims it)."""

import logging

from django.conf import settings
from django.utils import timezone

from minqing.regions.models import Region

from . import periods
from .models import Report, Status

log = logging.getLogger("minqing.worker")


def report_regions():
    """The regions reports are made for: the levels of ``MINQING_REPORT_LEVELS``."""
    levels = list(getattr(settings, "MINQING_REPORT_LEVELS", ("province", "city", "county")))
    first = {"city": 0, "county": 1}  # a city's and its counties' reports before a province's
    return sorted(Region.objects.filter(level__in=levels), key=lambda r: (first.get(r.level, 2), r.path))


def due(today=None):
    """[(period, region, start)] of the ended periods not yet generated."""
    today = today or timezone.localdate()
    regions = report_regions()
    done = set(Report.objects.filter(status=Status.DONE).values_list("period", "region_id", "start"))
    out = []
    for r in regions:
        for period in ("month", "week", "quarter", "year"):
            w = periods.last_ended(period, today)
            if (period, r.pk, w.start) not in done:
                out.append((period, r, w.start))
    return out


def run(today=None, limit=None):
    """One run: generate up to ``MINQING_REPORTS_PER_RUN`` due reports. Returns a summary."""
    from minqing.tasks import worker_id

    limit = limit or int(getattr(settings, "MINQING_REPORTS_PER_RUN", 4))
    import threading

    me = f"{worker_id()}:{threading.get_ident() % 100000}"
    made = skipped = failed = 0
    for period, region, start in due(today):
        if made >= limit:
            break
        try:
            from .actions import generate_archived

            if generate_archived(period, region, start, me) is None:
                skipped += 1
            else:
                made += 1
        except Exception:  # one failing report must not stop the others; recorded on its row
            log.exception("report %s %s %s failed", period, region.code, start)
            failed += 1
    return f"{made} generated, {skipped} taken by another worker, {failed} failed"
