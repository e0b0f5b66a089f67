"""Chinese full-text search over cases, the same on SQLite and PostgreSQL.

The index (``SearchGram``) holds every distinct character bigram of a case's
normalised text and address (a run of one character is indexed as that
character), so a two-character word such as 停水 or 占用 is one indexed lookup —
which trigram indexes (FTS5's trigram tokenizer, pg_trgm) cannot do. A query
is normalised the same way (traditional → simplified), split on spaces into
terms that must all occur; for each term the cases holding all its bigrams are
found through the index, then the term is checked as a substring of the
normalised text, so "水停" does not match "停水".
"""

from django.db.models import Count

from .indexing import catch_up, gram_code
from .normalize import bigrams, normalize

MAX_TERMS = 8


class SearchError(ValueError):
    field = "q"


def terms_of(query):
    norm = normalize(query or "").lower()
    terms = [t for t in norm.replace(",", " ").split() if t]
    if not terms:
        raise SearchError("请输入要搜索的词 / q must contain a word to search for")
    if len(terms) > MAX_TERMS:
        raise SearchError(f"搜索词最多 {MAX_TERMS} 个 / at most {MAX_TERMS} terms")
    return terms


def filter_cases(qs, query):
    """Narrow a Case queryset to the cases whose text (or address) holds every term."""
    from .models import SearchGram

    catch_up()
    for term in terms_of(query):
        codes = {gram_code(g) for g in bigrams(term)}
        if len(term) == 1 or not codes:
            qs = qs.filter(insight__norm_text__contains=term)
            continue
        holders = (
            SearchGram.objects.filter(gram__in=codes)
            .values("case_id")
            .annotate(n=Count("gram", distinct=True))
            .filter(n=len(codes))
            .values("case_id")
        )
        qs = qs.filter(pk__in=holders, insight__norm_text__contains=term)
    return qs


def snippet(text, query, width=40):
    """A piece of the text around the first term, for result lists."""
    norm = normalize(text or "")
    try:
        first = terms_of(query)[0]
    except SearchError:
        return norm[:width]
    pos = norm.lower().find(first)
    if pos < 0:
        return norm[:width]
    start = max(0, pos - width // 3)
    piece = norm[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(norm) else "")
