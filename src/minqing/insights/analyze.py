"""``analyze``: one call that reads a text the way a dispatcher would.

    {"text", "text_simplified", "place": {"code", "name", "level", "words", "chain"} | null,
     "categories": [{"code", "name", "score"}…], "departments": [{"code", "name", "score", "reason"}…],
     "duplicates": [{"case_id", "tracking_code", "score"}…]}

``analyze_many`` does a batch with one classifier call and one duplicate query.
"""

from minqing.regions.models import Region

from . import classify, duplicates, indexing, places
from .routing import suggest_departments
from .text import read

MAX_TEXT = 5000


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
    suggestions = classify.suggest_many([r.content for r in readings], limit=limit)
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
        dups = duplicates.find(items, visible=visible)
    regions, cats, routes = {}, {}, {}
    out = []
    for r, p, sugg, dup in zip(readings, placed, suggestions, dups):
        departments = []
        if with_departments and sugg:
            rid = p["region_id"] if p else None
            top = sugg[0]["code"]
            key = (top, rid)
            if key not in routes:
                from minqing.cases.models import Category

                if top not in cats:
                    cats[top] = Category.objects.filter(code=top).first()
                if rid is not None and rid not in regions:
                    regions[rid] = Region.objects.filter(pk=rid).first()
                routes[key] = suggest_departments(cats[top], regions.get(rid), limit=3) if cats[top] else []
            departments = routes[key]
        out.append({
            "text": r.original,
            "text_simplified": r.norm,
            "place": _place_out(r.place),
            "categories": sugg,
            "departments": departments,
            "duplicates": dup,
        })
    return out


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
