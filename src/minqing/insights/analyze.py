"""``analyze``: one call that reads a text the way a dispatcher would.

    {"text", "text_simplified", "place": {"code", "name", "level", "words", "chain"} | null,
     "categories": [{"code", "name", "score"}…], "departments": [{"code", "name", "score", "reason"}…],
     "duplicates": [{"case_id", "tracking_code", "score"}…]}

``analyze_many`` does a batch with one classifier call and one duplicate query.
"""

from minqing.regions.models import Region

from . import classify, duplicates, indexing, places
from .routing import Router
from .text import read

MAX_TEXT = 5000
ROUTE_TTL = 60.0  # seconds a routing suggestion is reused for the same category and region
_routes = {}


class AnalyzeError(ValueError):
    def __init__(self, message, field="text"):
        super().__init__(message)
        self.field = field


def _check(text):
    if not isinstance(text, str) or not text.strip():
        raise AnalyzeError("text 不能为空 / text must not be empty")
    if len(text) > MAX_TEXT:
        raise AnalyzeError(f"text 过长（最多 {MAX_TEXT} 字） / text is longer than {MAX_TEXT} characters")


def analyze_many(texts, *, region=None, with_duplicates=True, with_departments=True, visible=None, limit=3):
    """Analyse a batch of texts. ``region`` (a Region or code) stands in for texts naming no
    place; ``visible`` limits duplicate candidates to a Case queryset (the caller's scope)."""
    for t in texts:
        _check(t)
    if isinstance(region, str) and region:
        code = region
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise AnalyzeError(f"区划不存在 / unknown region: {code}", field="region")
    idx = places.index()
    readings = [read(t, idx) for t in texts]
    contents = [r.content for r in readings]
    vectors = classify.vectorize(contents)
    suggestions = classify.suggest_many(contents, limit=limit, vectors=vectors)
    placed = [indexing.place_for(r, region.code if region else None, idx) for r in readings]
    dups = [[] for _ in texts]
    if with_duplicates:
        indexing.catch_up()
        items = [
            {
                "place_key": duplicates.place_key(p),
                "place_ident": duplicates.place_ident(p),
                "content": r.content,
                "tokens": r.tokens,
                "categories": [s["code"] for s in sugg],
                "scores": {s["code"]: s["score"] for s in sugg},
            }
            for r, p, sugg in zip(readings, placed, suggestions)
        ]
        dups = duplicates.find(items, visible=visible, item_vectors=vectors)
    routes = _Routes({p["region_id"] for p in placed if p}) if with_departments else None
    out = []
    for r, p, sugg, dup in zip(readings, placed, suggestions, dups):
        departments = []
        if with_departments and sugg:
            departments = routes.get(sugg[0]["code"], p["region_id"] if p else None)
        out.append({
            "text": r.original,
            "text_simplified": r.norm,
            "place": _place_out(r.place),
            "categories": sugg,
            "departments": departments,
            "duplicates": dup,
        })
    return out


class _Routes:
    """Department suggestions for a batch: the routing table, departments, categories and regions
    read once; each (category, region) answer reused for ROUTE_TTL seconds across batches."""

    def __init__(self, region_ids):
        from minqing.cases.models import Category

        self.router = None
        self.cats = {c.code: c for c in Category.objects.all()}
        self.regions = Region.objects.select_related("parent").in_bulk([r for r in region_ids if r is not None])

    def get(self, category_code, region_id):
        import time

        from django.utils.translation import get_language

        key = (category_code, region_id, get_language())  # the reasons are in the request's language
        now = time.monotonic()
        hit = _routes.get(key)
        if hit is not None and now - hit[0] < ROUTE_TTL:
            return [dict(d) for d in hit[1]]
        if len(_routes) > 20000:
            _routes.clear()
        if self.router is None:
            self.router = Router()
        cat = self.cats.get(category_code)
        result = self.router.suggest(cat, self.regions.get(region_id), limit=3) if cat else []
        _routes[key] = (now, result)
        return [dict(d) for d in result]


def clear_route_cache(**kwargs):
    from .routing import clear_caches

    _routes.clear()
    clear_caches()


def _place_out(place):
    if not place:
        return None
    return {
        "code": place["code"],
        "name": place["name"],
        "level": place["level"],
        "words": place["words"],
        "region_code": place["region_code"],
        "chain": place["chain"],
    }


def analyze(text, **kwargs):
    return analyze_many([text], **kwargs)[0]
