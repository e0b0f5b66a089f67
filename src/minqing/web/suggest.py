"""Suggestions for the dispatcher: category and department of a case, and its
possible duplicates. The department comes from the text-insight layer when it
exists (``minqing.insights.classify``), else from the routing table."""

import importlib

from minqing.cases.models import Category
from minqing.insights.routing import suggest_departments


def _classifier():
    try:
        return importlib.import_module("minqing.insights.classify")
    except ImportError:
        return None


def suggest_category(case, categories=None):
    """(category, reason) for a case without one; None when nothing fits."""
    if case.category_id:
        return None
    clf = _classifier()
    if clf is not None:
        for name in ("suggest", "suggest_category", "classify", "predict"):
            fn = getattr(clf, name, None)
            if callable(fn):
                try:
                    out = fn(case.text)
                except Exception:  # a classifier that is not trained yet must not break the page
                    out = None
                code = _code_of(out)
                if code:
                    cat = Category.objects.filter(code=code).first()
                    if cat:
                        score = out[0].get("score") if isinstance(out, list) and isinstance(out[0], dict) else None
                        return cat, "text", score
                break
    cats = categories if categories is not None else list(Category.objects.filter(active=True))
    best, hits = None, 0
    for cat in cats:
        words = [w for w in (cat.keywords or "").replace(";", " ").replace("；", " ").split() if w]
        words.append(cat.name)
        n = sum(1 for w in words if w and w in case.text)
        if n > hits:
            best, hits = cat, n
    return (best, "keywords", None) if best else None


def suggest_place(case):
    """The region the text names, when it says more than the case's place (a village of its
    township, say) and lies within the owning region; None otherwise."""
    from minqing.insights.text import read
    from minqing.regions.models import Region

    try:
        place = read(case.text).place
    except Exception:  # the gazetteer failing must not break the page
        return None
    if not place or not place.get("region_id") or place["region_id"] == case.region_id:
        return None
    region = Region.objects.filter(pk=place["region_id"]).first()
    if region is None:
        return None
    owner = case.owner_region
    if owner is not None and not region.path.startswith(owner.path):
        return None
    if case.region is not None and not region.path.startswith(case.region.path):
        return None  # not more precise than what the case says
    return region


def _code_of(out):
    if out is None:
        return None
    if isinstance(out, str):
        return out
    if isinstance(out, dict):
        return out.get("category") or out.get("code")
    if isinstance(out, (list, tuple)) and out:
        return _code_of(out[0])
    return getattr(out, "code", None) or getattr(out, "category", None)


class Suggester:
    """Memoised per page: cases with the same category and place share one lookup."""

    def __init__(self):
        self._memo = {}
        self._cats = None

    def departments(self, case, category=None):
        category = category or case.category
        key = (category.pk if category else None, case.region_id)
        if key not in self._memo:
            self._memo[key] = suggest_departments(category, case.region or case.owner_region)
        return self._memo[key]

    def for_case(self, case):
        if self._cats is None:
            self._cats = list(Category.objects.filter(active=True))
        cat_hint = suggest_category(case, self._cats)
        category = case.category or (cat_hint[0] if cat_hint else None)
        return {"category": cat_hint, "departments": self.departments(case, category), "place": suggest_place(case)}


def similar_cases(cases, visible=None, limit=5):
    """{case id: [{"case_id", "tracking_code", "score"}…]}: the open cases that say the same thing
    about the same place, by text similarity (``insights.duplicates``: the score is its 0..1
    similarity), best first; one candidate query for the whole page of cases."""
    from minqing.insights import duplicates, places
    from minqing.insights.indexing import catch_up, place_for
    from minqing.insights.models import CaseInsight
    from minqing.insights.text import read

    cases = [c for c in cases if c is not None]
    if not cases:
        return {}
    catch_up()
    idx = places.index()
    insights = {i.case_id: i for i in CaseInsight.objects.filter(case_id__in=[c.pk for c in cases])}
    items = []
    for c in cases:
        rd = read(c.text, idx)
        place = place_for(rd, c.region.code if c.region_id else None, idx)
        ins = insights.get(c.pk)
        cats = ([c.category.code] if c.category_id else []) + (list(ins.categories) if ins else [])
        scores = dict(zip(ins.categories, ins.category_scores or [])) if ins else {}
        items.append({
            "place_key": duplicates.place_key(place), "place_ident": duplicates.place_ident(place),
            "content": rd.content, "tokens": rd.tokens, "categories": list(dict.fromkeys(cats)),
            "scores": scores or {k: 1.0 for k in cats[:1]},
        })
    found = duplicates.find(items, visible=visible, limit=limit + 1)
    return {c.pk: [d for d in f if d["case_id"] != c.pk][:limit] for c, f in zip(cases, found)}
