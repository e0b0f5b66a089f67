"""Figures of campaigns and typical cases, for the API, the pages and (later) a report section.

``campaign_figures(campaign, region=None)``: submissions, reviewed, adopted, merged,
answered, pending, implemented, the adoption and implementation rates, and the same by
region (the level below the campaign's region) and by category.

``typical_cases(region=None, date_from=None, date_to=None, limit=50)``: the 金果子 typical
cases (closed cases with a public write-up), masked, newest first.

``adopted_ideas(...)``: adopted submissions across campaigns, masked, for /board/typical/.

Submissions whose case was found invalid are not counted.
"""

from django.db.models import Count, Q

from minqing.cases.models import State
from minqing.people.masking import mask_text
from minqing.regions.models import Region

from .models import CampaignCase, Review, TypicalCase


def _rate(num, den):
    return round(num / den, 4) if den else None


def submissions(campaign, region=None):
    qs = CampaignCase.objects.filter(campaign=campaign).exclude(case__state=State.INVALID)
    if region is not None:
        qs = qs.filter(case__region_path__startswith=region.path)
    return qs


def _counts(qs):
    c = qs.aggregate(
        submissions=Count("id"),
        pending=Count("id", filter=Q(status=Review.PENDING)),
        adopted=Count("id", filter=Q(status=Review.ADOPTED)),
        merged=Count("id", filter=Q(status=Review.MERGED)),
        answered=Count("id", filter=Q(status=Review.ANSWERED)),
        implemented=Count("id", filter=Q(status=Review.ADOPTED, implemented=True)),
    )
    c["reviewed"] = c["submissions"] - c["pending"]
    c["adoption_rate"] = _rate(c["adopted"], c["reviewed"])
    c["implementation_rate"] = _rate(c["implemented"], c["adopted"])
    return c


def campaign_figures(campaign, *, region=None):
    """The campaign's figures (within ``region`` when given)."""
    qs = submissions(campaign, region)
    out = _counts(qs)
    base = region or campaign.region
    by_region = []
    if base is not None:
        children = list(Region.objects.filter(parent=base).order_by("code"))
        placed = Q(pk__in=[])
        for child in children:
            cond = Q(case__region_path__startswith=child.path)
            placed |= cond
            row = _counts(qs.filter(cond))
            if row["submissions"]:
                by_region.append({"code": child.code, "name": child.name, **row})
        rest = _counts(qs.exclude(placed)) if children else None
        if rest and rest["submissions"]:
            by_region.append({"code": base.code, "name": base.name, **rest})
    out["by_region"] = by_region
    by_category = []
    for row in (qs.values("case__category__code", "case__category__name")
                .annotate(n=Count("id"), a=Count("id", filter=Q(status=Review.ADOPTED)))
                .order_by("-n", "case__category__code")):
        by_category.append({"code": row["case__category__code"] or "", "name": row["case__category__name"] or "",
                            "submissions": row["n"], "adopted": row["a"]})
    out["by_category"] = by_category
    return out


def typical_cases(*, region=None, date_from=None, date_to=None, limit=50):
    """金果子 typical cases, masked: what was asked, what was done, and the write-up."""
    qs = TypicalCase.objects.select_related("case__category", "case__region", "case__lead_department")
    if region is not None:
        qs = qs.filter(case__region_path__startswith=region.path)
    if date_from is not None:
        qs = qs.filter(marked_at__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(marked_at__date__lte=date_to)
    out = []
    for t in qs[:limit]:
        c = t.case
        out.append({
            "case": c.pk, "tracking_code": c.tracking_code, "title": mask_text(t.title),
            "writeup": mask_text(t.writeup), "text": mask_text(c.text), "result": mask_text(c.result),
            "category": c.category.name if c.category_id else "", "region": c.region.name if c.region_id else "",
            "department": c.lead_department.name if c.lead_department_id else "",
            "closed_at": c.closed_at.isoformat() if c.closed_at else None, "marked_at": t.marked_at.isoformat(),
        })
    return out


def adopted_ideas(*, campaign=None, region=None, limit=50):
    """Adopted submissions (masked), the newest review first."""
    qs = (CampaignCase.objects.filter(status=Review.ADOPTED).exclude(case__state=State.INVALID)
          .select_related("campaign", "case__category", "case__region")
          .annotate(merged_count=Count("merged_links")).order_by("-reviewed_at", "-id"))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if region is not None:
        qs = qs.filter(case__region_path__startswith=region.path)
    return [idea_dict(link) for link in qs[:limit]]


def idea_dict(link):
    """A submission as anyone may see it: masked text, answer and outcome; no reporter."""
    c = link.case
    return {
        "id": link.pk, "campaign": link.campaign.slug, "campaign_title": link.campaign.title,
        "tracking_code": c.tracking_code, "text": mask_text(c.text), "status": link.status,
        "status_label": str(Review(link.status).label), "topic": link.topic,
        "category": c.category.name if c.category_id else "", "region": c.region.name if c.region_id else "",
        "answer": mask_text(link.answer), "outcome": mask_text(link.outcome), "implemented": link.implemented,
        "merged_into": link.merged_into_id, "merged_count": getattr(link, "merged_count", None),
        "submitted_at": c.registered_at.isoformat(),
    }
