"""Routing: which department should lead a case (category × region), and why.

Three sources, each with its reason in the suggestion:

1. the routing table (``RoutingRule``, edited in the admin): this category in
   this region or below goes to this department, by priority;
2. the departments whose categories include the case's category, nearest to the
   case's region first (its own region, then each region above it);
3. history: who led cases of this category in this region before (and did not
   send them back), by share.

Scores are in 0..1; the list is best first.
"""

from django.db.models import Count, Q

from minqing.regions.models import Department


def _chain(region):
    return region.path.strip("/").split("/") if region is not None else []


def _rules(category, region):
    from .models import RoutingRule

    chain = _chain(region)
    rules = RoutingRule.objects.filter(category=category, department__active=True).select_related(
        "department", "region"
    )
    out = {}
    for rule in rules:
        if rule.region_id is None:
            distance = len(chain) + 1
            where = "所有区域 / everywhere"
        elif rule.region.code in chain:
            distance = len(chain) - 1 - chain.index(rule.region.code)
            where = rule.region.name
        else:
            continue
        score = 1.0 - 0.02 * distance - 0.01 * min(rule.priority, 10)
        reason = f"路由表：「{category.name}」在{where}由其主办 / routing table: {category.code} in {where}"
        if rule.note:
            reason += f"（{rule.note}）"
        d = rule.department
        if d.pk not in out or out[d.pk]["score"] < score:
            out[d.pk] = {"code": d.code, "name": d.name, "score": round(score, 3), "reason": reason}
    return out


def _history(category, region, limit=20):
    """({department pk: (count, share)}, scope) of past lead departments for this category in the region."""
    from minqing.cases.models import Case, State

    if region is None:
        return {}, None
    scope = region
    # the region itself; its parent when it has no history yet
    qs = Case.objects.filter(category=category, lead_department__isnull=False, region_path__startswith=scope.path)
    if not qs.exists() and region.parent_id:
        scope = region.parent
        qs = Case.objects.filter(category=category, lead_department__isnull=False, region_path__startswith=scope.path)
    rows = list(
        qs.exclude(state__in=[State.INVALID, State.MERGED])
        .exclude(Q(state=State.REGISTERED))
        .values("lead_department")
        .annotate(n=Count("id"))
        .order_by("-n")[:limit]
    )
    total = sum(r["n"] for r in rows)
    return {r["lead_department"]: (r["n"], r["n"] / total) for r in rows}, scope


def suggest_departments(category, region, limit=3):
    """[{"code", "name", "score", "reason"}] best first."""
    if category is None:
        return []
    out = _rules(category, region)
    depts = list(Department.objects.filter(active=True, categories=category).select_related("region").order_by("code"))
    chain = _chain(region)
    for d in depts:
        if d.region.code in chain:
            distance = len(chain) - 1 - chain.index(d.region.code)
            score = 0.8 / (1 + distance)
            reason = f"负责「{category.name}」，属{d.region.name}（本级或上级） / handles {category.code} in {d.region.name}"
        else:
            score = 0.08
            reason = f"负责「{category.name}」，但不在本区域 / handles {category.code} elsewhere"
        if d.pk not in out:
            out[d.pk] = {"code": d.code, "name": d.name, "score": round(score, 3), "reason": reason}
    shares, scope = _history(category, region)
    if shares:
        missing = [pk for pk in shares if pk not in out]
        extra = {d.pk: d for d in Department.objects.filter(pk__in=missing, active=True)}
        for pk, (n, share) in shares.items():
            note = (f"历史：{scope.name}同类案件{n}件由其主办（{share:.0%}） / "
                    f"history: led {n} such cases in {scope.name} ({share:.0%})")
            if pk in out:
                item = out[pk]
                item["score"] = round(min(1.0, item["score"] + 0.2 * share), 3)
                item["reason"] += "；" + note
            elif pk in extra:
                d = extra[pk]
                out[pk] = {"code": d.code, "name": d.name, "score": round(0.6 * share, 3), "reason": note}
    items = sorted(out.values(), key=lambda x: (-x["score"], x["code"]))
    return items[:limit]
