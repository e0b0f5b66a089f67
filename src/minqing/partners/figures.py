"""社区合伙人 figures: wishes registered, claimed and fulfilled (by region and by partner) and the
partners' tasks (open and done), inside a region's subtree."""

from django.db.models import Count, Q

from minqing.cases.models import Task
from minqing.regions.models import Region

from .models import Partner, Wish

WISH_AGG = {
    "registered": Count("id"),
    "claimed": Count("id", filter=Q(status__in=(Wish.CLAIMED, Wish.FULFILLED))),
    "fulfilled": Count("id", filter=Q(status=Wish.FULFILLED)),
    "by_partners": Count("id", filter=Q(status=Wish.FULFILLED, partner__isnull=False)),
}


def _rate(row):
    row["fulfilled_rate"] = round(row["fulfilled"] / row["registered"], 4) if row["registered"] else None
    return row


def wishes(region=None):
    qs = Wish.objects.all()
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    total = _rate({k: v or 0 for k, v in qs.aggregate(**WISH_AGG).items()})
    children = Region.objects.filter(parent=region) if region is not None else Region.objects.filter(parent=None)
    by_region = []
    for child in children.order_by("code"):
        row = {k: v or 0 for k, v in qs.filter(region_path__startswith=child.path).aggregate(**WISH_AGG).items()}
        if row["registered"]:
            by_region.append({"region": child.code, "name": child.name, **_rate(row)})
    by_partner = [
        {"partner": d["partner__code"], "name": d["partner__name"], "claimed": d["claimed"], "fulfilled": d["fulfilled"]}
        for d in qs.filter(partner__isnull=False).values("partner__code", "partner__name").annotate(
            claimed=Count("id"), fulfilled=Count("id", filter=Q(status=Wish.FULFILLED))).order_by("partner__code")
    ]
    return {"total": total, "by_region": by_region, "by_partner": by_partner}


def partner_tasks(region=None):
    qs = Task.objects.filter(partner__isnull=False)
    if region is not None:
        qs = qs.filter(partner__region_path__startswith=region.path)
    return [
        {"partner": d["partner__code"], "name": d["partner__name"], "open": d["open"], "done": d["done"]}
        for d in qs.values("partner__code", "partner__name").annotate(
            open=Count("id", filter=Q(status=Task.OPEN)), done=Count("id", filter=Q(status=Task.DONE)))
        .order_by("partner__code")
    ]


def summary(region=None):
    partners = Partner.objects.filter(active=True)
    if region is not None:
        partners = partners.filter(region_path__startswith=region.path)
    return {"region": region.code if region else None, "partners": partners.count(),
            "wishes": wishes(region), "tasks": partner_tasks(region)}
