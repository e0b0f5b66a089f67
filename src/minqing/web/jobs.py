"""Worker job: keep the leaders' dashboards, the supervisors' summaries and the
public board computed, so that a page rarely pays for the computation itself
(each is recomputed only when the data changed since, see ``figcache``)."""

import datetime as dt

from minqing.people.models import Membership, Role
from minqing.regions.models import Region

from .figcache import refreshing
from .views.common import today


def warm_pages():
    day = today()
    with refreshing():
        return _warm(day)


def _warm(day):
    from .views.dashboard import board_figures, dashboard_data
    from .views.work import alert_summary

    regions = {
        m.region for m in Membership.objects.filter(role__in=(Role.LEADER, Role.SUPERVISOR), region__isnull=False)
        .select_related("region")
    }
    roots = list(Region.objects.filter(parent__isnull=True)[:2])
    root = roots[0] if len(roots) == 1 else None
    for region in sorted(regions, key=lambda r: r.path):
        dashboard_data(region, day - dt.timedelta(days=89), day)
        alert_summary(region)
    board_figures(root)
    return f"{len(regions)} regions"


def drop_stale_uploads():
    """Remove the public form's pending photos older than their maximum age (a day)."""
    from django.utils import timezone

    from .models import PendingUpload

    stale = PendingUpload.objects.filter(created_at__lt=timezone.now() - PendingUpload.max_age())
    n = 0
    for pending in stale.iterator():
        pending.discard()
        n += 1
    return f"{n} stale uploads removed"
