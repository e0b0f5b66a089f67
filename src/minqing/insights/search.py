"""Chinese full-text search over cases, the same on SQLite and PostgreSQL.

The index (``SearchGram``) holds every distinct character bigram of a case's
normalised text and address (a run of one character is indexed as that
character), so a two-character word such as 停水 or 占用 is one indexed lookup —
which trigram indexes (FTS5's trigram tokenizer, pg_trgm) cannot do. A query
is normalised the same way (traditional → simplified), split on spaces into
terms that must all occur. The truth is a substring check of every term on the
normalised text (``CaseInsight.norm_text``), so "水停" does not match "停水";
the bigram index only narrows which cases are checked (see ``filter_cases``).

Freshness: registration only queues a case (``PendingIndex``); the worker's
``insights_index`` job (every 30 s) indexes the queue. A search indexes at most
``CATCH_UP_LIMIT`` queued cases itself (the oldest; about 1–1.5 ms each), so a
request never indexes thousands of cases when the worker is behind; the newest
``PENDING_SCAN`` cases still queued after that are matched by their own text
(normalised the same way, without the index). A search therefore misses a case
only while the queue is longer than ``CATCH_UP_LIMIT + PENDING_SCAN`` (the
worker stopped or far behind): the queued cases between those two ends, until
the worker (or later searches, ``CATCH_UP_LIMIT`` at a time) indexes them.
"""

import re

from django.db import connection
from django.db.models import BigIntegerField, F, Func, Q

from .indexing import catch_up, gram_code
from .normalize import bigrams, normalize

MAX_TERMS = 8
CATCH_UP_LIMIT = 100  # queued cases a search indexes itself, at most (~1.5 ms each); the rest is the worker's
PENDING_SCAN = 2000  # newest queued cases beyond those, matched by their text without the index
FEW = 2000  # a bigram held by at most this many cases: its cases are listed, not walked
WALK_GRAMS = 2  # common bigrams checked (besides the text) for each case of a walk


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


class _Unindexed(Func):
    """``+id``: the same value, but SQLite no longer drives the query from an ``IN`` list on it."""

    template = "+%(expressions)s"
    output_field = BigIntegerField()


def filter_cases(qs, query):
    """Narrow a Case queryset to the cases whose text (or address) holds every term.

    Raises ``SearchError`` (field ``q``) for a query without a word or with too many.

    The truth is the substring check on ``CaseInsight.norm_text``; the bigram index only
    narrows which cases are checked. Each bigram's cases are read up to ``FEW``: when a
    bigram is that rare, only the cases holding every rare bigram are checked (a short id
    list, sorted after); when every bigram is common, the list is walked in its own order
    (newest first) and a case is checked when it holds the commonest-looking bigrams —
    a page then needs only the first few dozen cases of the walk."""
    from .models import SearchGram

    terms = terms_of(query)
    indexed = catch_up(limit=CATCH_UP_LIMIT)
    unindexed = _pending_matches(terms) if indexed >= CATCH_UP_LIMIT else []
    cond = Q()
    for term in terms:
        cond &= Q(insight__norm_text__contains=term)
    candidates, common = None, []
    for code in sorted({gram_code(g) for term in terms if len(term) > 1 for g in bigrams(term)}):
        ids = list(SearchGram.objects.filter(gram=code).values_list("case_id", flat=True)[: FEW + 1])
        if len(ids) > FEW:
            common.append(code)
            continue
        candidates = set(ids) if candidates is None else candidates & set(ids)
        if not candidates:
            break
    if candidates is not None:
        cond &= Q(pk__in=sorted(candidates))
    elif common:
        walk = "pk"
        if connection.vendor == "sqlite":
            qs, walk = qs.alias(search_walk_id=_Unindexed(F("pk"))), "search_walk_id"
        for code in common[:WALK_GRAMS]:
            cond &= Q(**{f"{walk}__in": SearchGram.objects.filter(gram=code).values("case_id")})
    if unindexed:
        cond |= Q(pk__in=unindexed)
    return qs.filter(cond)


def _pending_matches(terms):
    """Ids of the newest ``PENDING_SCAN`` queued (not yet indexed) cases whose text and address
    hold every term — the index's own check, on the normalised text read from the case."""
    from minqing.cases.models import Case

    from .models import PendingIndex

    ids = list(PendingIndex.objects.order_by("-case_id").values_list("case_id", flat=True)[:PENDING_SCAN])
    found = []
    for pk, text, address in Case.objects.filter(pk__in=ids).values_list("id", "text", "address"):
        searchable = normalize(f"{text} {address or ''}").lower()
        if all(term in searchable for term in terms):
            found.append(pk)
    return found


# five digits or more in a row (separators between them ignored): a piece of a phone, ID or card number
NUMBER_PROBE = re.compile(r"\d(?:[\s\-]?\d){4,}")


def filter_cases_or_code(qs, query, actor=None):
    """The case lists' search box: a tracking code finds that case (the unique index, no
    text search); anything else is a full-text search (``filter_cases``).

    A person whose role sees contact data masked may not search by a number: the texts
    they see are masked, and a match would still tell them which case holds the number."""
    from minqing.cases.actions import TRACKING_CODE

    code = (query or "").strip().upper()
    if TRACKING_CODE.fullmatch(code):
        return qs.filter(tracking_code=code)
    if actor is not None and not actor.may_search_numbers() and NUMBER_PROBE.search(normalize(query or "")):
        raise SearchError("按号码查找需要查看联系方式的权限 / searching by a number needs access to contact data")
    return filter_cases(qs, query)


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
