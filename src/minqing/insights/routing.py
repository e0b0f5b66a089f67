"""Routing: which department should lead a case (category × region), and why.

Three sources, each with its reason in the suggestion:

1. the routing table (``RoutingRule``, edited in the admin): this category in
   this region or below goes to this department, by priority;
2. the departments whose categories include the case's category, nearest to the
   case's region first (its own region, then each region above it);
3. history: who led cases of this category in this region before (and did not
   send them back), by share.

Scores are in 0..1; the list is best first. ``Router`` answers many
(category, region) questions with the routing table and the departments read
once; ``suggest_departments`` asks one.
"""

from django.db.models import Count
from django.utils.translation import gettext as _

from minqing.regions.models import Department


def _chain(region):
    return region.path.strip("/").split("/") if region is not None else []


HISTORY_TTL = 300.0
_history_cache = {}
_paths_cache = {}


def _history_table(category_id):
    """{(owner region id, lead department id): cases} for one category (dispatched, not returned)."""
    import time

    from minqing.cases.models import Case, State

    now = time.monotonic()
    hit = _history_cache.get(category_id)
    if hit is not None and now - hit[0] < HISTORY_TTL:
        return hit[1]
    rows = (
        Case.objects.filter(category_id=category_id, lead_department__isnull=False)
        .exclude(state__in=[State.INVALID, State.MERGED, State.REGISTERED])
        .values_list("owner_region_id", "lead_department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    table = {(o, d): n for o, d, n in rows}
    _history_cache[category_id] = (now, table)
    return table


def _region_paths():
    import time

    from minqing.regions.models import Region

    now = time.monotonic()
    if _paths_cache and now - _paths_cache["at"] < HISTORY_TTL:
        return _paths_cache["paths"]
    _paths_cache.update(at=now, paths=dict(Region.objects.values_list("id", "path")))
    return _paths_cache["paths"]


def clear_caches(**kwargs):
    _history_cache.clear()
    _paths_cache.clear()


class Router:
    """Reads the routing table and the departments once; history is one query per question."""

    def __init__(self):
        from .models import RoutingRule

        self.rules = {}
        for rule in RoutingRule.objects.filter(department__active=True).select_related("department", "region"):
            self.rules.setdefault(rule.category_id, []).append(rule)
        self.by_category = {}
        depts = Department.objects.filter(active=True).select_related("region").prefetch_related("categories")
        self.departments = {}
        for d in depts.order_by("code"):
            self.departments[d.pk] = d
            for c in d.categories.all():
                self.by_category.setdefault(c.pk, []).append(d)

    def _from_rules(self, category, chain):
        out = {}
        for rule in self.rules.get(category.pk, ()):
            if rule.region_id is None:
                distance = len(chain) + 1
                where = _("所有区域")
            elif rule.region.code in chain:
                distance = len(chain) - 1 - chain.index(rule.region.code)
                where = rule.region.name
            else:
                continue
            score = 1.0 - 0.02 * distance - 0.01 * min(rule.priority, 10)
            reason = _("路由表：「%(category)s」在%(where)s由其主办") % {"category": category.local_name, "where": where}
            if rule.note:
                reason += f"（{rule.note}）"
            d = rule.department
            if d.pk not in out or out[d.pk]["score"] < score:
                out[d.pk] = {"code": d.code, "name": d.name, "score": round(score, 3), "reason": reason}
        return out

    def _history(self, category, region, limit=20):
        """({department pk: (count, share)}, scope) of past lead departments for this category in
        the region's township-or-above (its parent when that has none). One grouped query per
        category, kept for HISTORY_TTL seconds."""
        if region is None:
            return {}, None
        table = _history_table(category.pk)
        paths = _region_paths()
        scope = region
        while scope is not None and scope.level in ("village", "grid"):
            scope = scope.parent
        for candidate in (scope, scope.parent if scope is not None and scope.parent_id else None):
            if candidate is None:
                break
            counts = {}
            for (owner_id, dept), n in table.items():
                if paths.get(owner_id, "").startswith(candidate.path):
                    counts[dept] = counts.get(dept, 0) + n
            if counts:
                top = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
                total = sum(n for _, n in top)
                return {d: (n, n / total) for d, n in top}, candidate
        return {}, None

    def suggest(self, category, region, limit=3):
        if category is None:
            return []
        chain = _chain(region)
        out = self._from_rules(category, chain)
        for d in self.by_category.get(category.pk, ()):
            if d.region.code in chain:
                distance = len(chain) - 1 - chain.index(d.region.code)
                score = 0.8 / (1 + distance)
                reason = _("负责「%(category)s」，属%(region)s（本级或上级）") % {
                    "category": category.local_name, "region": d.region.name}
            else:
                score = 0.08
                reason = _("负责「%(category)s」，但不在本区域") % {"category": category.local_name}
            if d.pk not in out:
                out[d.pk] = {"code": d.code, "name": d.name, "score": round(score, 3), "reason": reason}
        shares, scope = self._history(category, region)
        for pk, (n, share) in shares.items():
            note = _("历史：%(place)s同类案件%(n)d件由其主办（%(share)s）") % {
                "place": scope.name, "n": n, "share": f"{share:.0%}"}
            if pk in out:
                item = out[pk]
                item["score"] = round(min(1.0, item["score"] + 0.2 * share), 3)
                item["reason"] += "；" + note
            elif pk in self.departments:
                d = self.departments[pk]
                out[pk] = {"code": d.code, "name": d.name, "score": round(0.6 * share, 3), "reason": note}
        items = sorted(out.values(), key=lambda x: (-x["score"], x["code"]))
        return items[:limit]


def suggest_departments(category, region, limit=3, *, fresh=True):
    """[{"code", "name", "score", "reason"}] best first. ``fresh`` re-reads the history
    (the batch path in ``analyze`` reuses it for a few minutes)."""
    if category is None:
        return []
    if fresh:
        clear_caches()
    return Router().suggest(category, region, limit)
