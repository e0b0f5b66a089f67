"""安全先锋行 figures: patrols, items checked, hazards found and fixed — by checklist and by region.

A hazard is a failed item; it is *fixed* when its case is closed (销号: the reporter, here the
patrolling cadre, confirmed it on the return visit) and *handled* when its case is handled or
closed. The figures count patrols by their date within ``date_from``..``date_to`` and inside
``region`` (its whole subtree); ``by_region`` splits them over the region's direct children."""

from dataclasses import dataclass

from django.db.models import Count, Q

from minqing.cases.models import State
from minqing.insights.figures import FigureError  # the figures' one error type (message, field)
from minqing.regions.models import Region

from .models import Checklist, PatrolItem

FIXED = (State.CLOSED,)
HANDLED = (State.HANDLED, State.CLOSED)


@dataclass
class Scope:
    region: Region | None = None
    date_from: object = None
    date_to: object = None


def make_scope(region=None, date_from=None, date_to=None):
    r = None
    if region:
        r = Region.objects.filter(code=region).first()
        if r is None:
            raise FigureError(f"区划不存在 / unknown region: {region}", "region")
    if date_from and date_to and date_from > date_to:
        raise FigureError("起始日期晚于结束日期 / from is after to", "from")
    return Scope(r, date_from, date_to)


def _items(scope):
    qs = PatrolItem.objects.all()
    if scope.region is not None:
        qs = qs.filter(patrol__region_path__startswith=scope.region.path)
    if scope.date_from:
        qs = qs.filter(patrol__date__gte=scope.date_from)
    if scope.date_to:
        qs = qs.filter(patrol__date__lte=scope.date_to)
    return qs


AGG = {
    "patrols": Count("patrol", distinct=True),
    "checked": Count("id"),
    "found": Count("id", filter=Q(ok=False)),
    "handled": Count("id", filter=Q(ok=False, case__state__in=HANDLED)),
    "fixed": Count("id", filter=Q(ok=False, case__state__in=FIXED)),
}


def _row(d):
    out = {k: d.get(k) or 0 for k in AGG}
    out["open"] = out["found"] - out["handled"]
    out["fixed_rate"] = round(out["fixed"] / out["found"], 4) if out["found"] else None
    return out


def hazards(scope):
    """``{"total", "by_checklist": [...], "by_region": [...]}``."""
    items = _items(scope)
    total = _row(items.aggregate(**AGG))
    names = {c.code: c.name for c in Checklist.objects.all()}
    by_checklist = [
        {"checklist": d["patrol__checklist__code"], "name": names.get(d["patrol__checklist__code"], ""), **_row(d)}
        for d in items.values("patrol__checklist__code").annotate(**AGG).order_by("patrol__checklist__code")
    ]
    if scope.region is not None:
        children = list(Region.objects.filter(parent=scope.region).order_by("code"))
    else:
        children = list(Region.objects.filter(parent__isnull=True).order_by("code"))
    by_region = []
    for child in children:
        row = _row(items.filter(patrol__region_path__startswith=child.path).aggregate(**AGG))
        if row["patrols"]:
            by_region.append({"region": child.code, "name": child.name, **row})
    return {
        "region": scope.region.code if scope.region else None,
        "from": scope.date_from.isoformat() if scope.date_from else None,
        "to": scope.date_to.isoformat() if scope.date_to else None,
        "total": total, "by_checklist": by_checklist, "by_region": by_region,
    }
