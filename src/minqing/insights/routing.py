"""Routing: which department should lead a case (category × region).

The base rule: active departments whose categories include the case's
category, nearest to the case's region first (its own region, then each
region above it). Each suggestion says why.
"""

from minqing.regions.models import Department


def suggest_departments(category, region, limit=3):
    """[{"code", "name", "score", "reason"}] best first."""
    if category is None:
        return []
    depts = list(
        Department.objects.filter(active=True, categories=category).select_related("region").order_by("code")
    )
    if not depts:
        return []
    chain = region.path.strip("/").split("/") if region is not None else []
    out = []
    for d in depts:
        if d.region.code in chain:
            distance = len(chain) - 1 - chain.index(d.region.code)
            score = 1.0 / (1 + distance)
            reason = f"负责「{category.name}」，属{d.region.name}（本级或上级） / handles {category.code} in {d.region.name}"
        else:
            score = 0.1
            reason = f"负责「{category.name}」，但不在本区域 / handles {category.code} elsewhere"
        out.append({"code": d.code, "name": d.name, "score": round(score, 3), "reason": reason})
    out.sort(key=lambda x: (-x["score"], x["code"]))
    return out[:limit]
