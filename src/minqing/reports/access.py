"""Who may read a region's reports: its leaders, supervisors and admins (and those of a region above)."""

from minqing.people.models import Role

REPORT_ROLES = (Role.LEADER, Role.SUPERVISOR)


def may_read(actor, region):
    return actor.is_admin or actor.covers_region(region, *REPORT_ROLES)


def home_regions(actor):
    """The regions whose reports the actor reads first (their own), or the roots for admins."""
    from minqing.regions.models import Region

    own = actor.regions_for(*REPORT_ROLES)
    if own:
        return own
    if actor.is_admin or any(m.role in REPORT_ROLES and m.region_id is None for m in actor.memberships):
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    return []


def serve(region, period, day, fmt):
    """The report's bytes and file name: the archived copy when the period has ended and the worker
    archived it, otherwise generated now."""
    from .models import Report, Status
    from .periods import window
    from .render import Document

    w = window(period, day)
    archived = (Report.objects.filter(period=period, region=region, start=w.start, status=Status.DONE)
                .only(fmt).first())
    doc_name = f"report-{period}-{region.code}-{w.start.isoformat()}.{fmt}"
    if archived is not None and getattr(archived, fmt):
        return bytes(getattr(archived, fmt)), doc_name
    doc = Document(region, w)
    return doc.render(fmt), doc.filename(fmt)
