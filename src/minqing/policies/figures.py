"""免申即享 figures: eligible, delivered, delivery rate — by policy and by region.

- eligible: subjects the policy is for now (``eligibility.eligible``), within the region
- delivered: of those, the ones with a delivery recorded
- delivery_rate: delivered / eligible
Subjects delivered and no longer eligible (re-tagged since) are left out of both.
"""

from django.db.models import Count, Q

from minqing.regions.models import Region

from . import eligibility
from .models import Policy


def _rate(num, den):
    return round(num / den, 4) if den else None


def policy_counts(policy, region=None):
    qs = eligibility.eligible(policy).filter(eligibility.region_q(region))
    c = qs.aggregate(eligible=Count("pk"), delivered=Count("pk", filter=eligibility.delivered_q(policy)))
    c["delivery_rate"] = _rate(c["delivered"], c["eligible"])
    return c


def by_region(policy, region=None):
    """The counts per region one level below ``region`` (the roots without one)."""
    children = Region.objects.filter(parent=region) if region is not None else Region.objects.filter(
        parent__isnull=True)
    out = []
    for child in children.order_by("code"):
        c = policy_counts(policy, child)
        if c["eligible"]:
            out.append({"region": child.code, "region_name": child.name, **c})
    return out


def policies_in(region=None):
    """Policies that concern a region: those without a region and those of a region above,
    below or equal to it."""
    qs = Policy.objects.select_related("department", "region")
    if region is None:
        return qs
    above = [p for p in region.path.strip("/").split("/") if p]
    return qs.filter(Q(region__isnull=True) | Q(region_path__startswith=region.path) | Q(region__code__in=above))


def compute(region=None, *, regions=False):
    """Every policy's figures within ``region``, and the totals."""
    rows, eligible, delivered = [], 0, 0
    for p in policies_in(region).order_by("code"):
        c = policy_counts(p, region)
        row = {"code": p.code, "name": p.name, "department": p.department.name, **c}
        if regions:
            row["by_region"] = by_region(p, region)
        rows.append(row)
        eligible += c["eligible"]
        delivered += c["delivered"]
    return {"policies": len(rows), "eligible": eligible, "delivered": delivered,
            "delivery_rate": _rate(delivered, eligible), "by_policy": rows}
