"""Keeping the insight indexes up to date.

On every registration ``on_event_recorded`` (a receiver of
``minqing.cases.signals.event_recorded``) writes one ``PendingIndex`` row in the
registration's own transaction — nothing else, so registration stays fast.
``catch_up`` then reads the pending cases in batches: normalises the text,
resolves the place, suggests categories, and writes ``CaseInsight``, the
duplicate keys and the search bigrams. It runs before every duplicate check and
search (so both always see every registered case) and in the worker.
"""

import logging

from django.db import transaction
from django.utils import timezone

from . import duplicates, places
from .normalize import bigrams, normalize

log = logging.getLogger("minqing.insights")
BATCH = 2000


_PENDING_SQL = None


def on_event_recorded(sender, event, case, **kwargs):
    """One small INSERT in the registration's transaction (raw SQL: no model machinery)."""
    global _PENDING_SQL
    if event.action != "register":
        return
    from django.db import connection

    if _PENDING_SQL is None:
        from .models import PendingIndex

        table = connection.ops.quote_name(PendingIndex._meta.db_table)
        column = connection.ops.quote_name(PendingIndex._meta.get_field("case").column)
        _PENDING_SQL = f"INSERT INTO {table} ({column}) VALUES (%s)"
    with connection.cursor() as cur:
        cur.execute(_PENDING_SQL, [case.pk])


def connect_signals():
    from minqing.cases.signals import event_recorded

    event_recorded.connect(on_event_recorded, dispatch_uid="insights_index_on_register")


def gram_code(gram):
    if len(gram) == 1:
        return ord(gram)
    return (ord(gram[0]) << 21) | ord(gram[1])


def search_grams(text):
    return {gram_code(g) for g in bigrams(text)}


def place_for(reading, region_code, idx):
    """The place the text names; else the case's registered region."""
    if reading.place:
        return reading.place
    if region_code and region_code in idx.nodes:
        return places.describe(region_code, idx)
    return None


def index_cases(rows):
    """Index cases given as dicts with id, text, address and region__code. Returns how many."""
    from minqing.insights import classify
    from minqing.insights.text import read

    from .models import CaseInsight, DupKey, PendingIndex, SearchGram

    if not rows:
        return 0
    idx = places.index()
    readings = [read(r["text"], idx) for r in rows]
    suggestions = classify.suggest_many([rd.content for rd in readings], limit=3)
    insights, keys, grams = [], [], []
    now = timezone.now()
    for r, rd, sugg in zip(rows, readings, suggestions):
        place = place_for(rd, r.get("region__code"), idx)
        cats = [s["code"] for s in sugg]
        pkey = duplicates.place_key(place)
        searchable = normalize(f"{r['text']} {r.get('address') or ''}").lower()
        insights.append(CaseInsight(
            case_id=r["id"], norm_text=searchable, content=rd.content, tokens=" ".join(rd.tokens),
            place_code=duplicates.place_ident(place), place_key=pkey,
            categories=cats, category_scores=[s["score"] for s in sugg], indexed_at=now,
        ))
        keys += [DupKey(key=k, case_id=r["id"]) for k in duplicates.keys_for(pkey, rd.content, cats)]
        grams += [SearchGram(gram=g, case_id=r["id"]) for g in search_grams(searchable)]
    ids = [r["id"] for r in rows]
    with transaction.atomic():
        CaseInsight.objects.filter(case_id__in=ids).delete()
        DupKey.objects.filter(case_id__in=ids).delete()
        SearchGram.objects.filter(case_id__in=ids).delete()
        # ignore_conflicts: another process may be catching up the same cases at the same time
        CaseInsight.objects.bulk_create(insights, batch_size=500, ignore_conflicts=True)
        DupKey.objects.bulk_create(keys, batch_size=2000)
        SearchGram.objects.bulk_create(grams, batch_size=5000)
        PendingIndex.objects.filter(case_id__in=ids).delete()
    return len(rows)


def catch_up(limit=None):
    """Index every pending case (at most ``limit``). Returns how many were indexed."""
    from minqing.cases.models import Case

    from .models import PendingIndex

    done = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        ids = list(PendingIndex.objects.order_by("case_id").values_list("case_id", flat=True)[:size])
        if not ids:
            break
        rows = list(Case.objects.filter(pk__in=ids).values("id", "text", "address", "region__code"))
        found = {r["id"] for r in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            PendingIndex.objects.filter(case_id__in=missing).delete()
        done += index_cases(rows)
        if len(ids) < size:
            break
    return done


def reindex_all():
    """Queue every case and index it again (after a change of the region tree or categories)."""
    from minqing.cases.models import Case

    from .models import PendingIndex

    existing = set(PendingIndex.objects.values_list("case_id", flat=True))
    todo = [PendingIndex(case_id=pk) for pk in Case.objects.values_list("pk", flat=True) if pk not in existing]
    PendingIndex.objects.bulk_create(todo, batch_size=5000)
    return catch_up()


def prune():
    """Drop duplicate keys of cases that are no longer open (they can never be a duplicate again)."""
    from minqing.cases.models import Case

    from .models import DupKey

    closed = Case.objects.filter(state__in=duplicates.CLOSED_STATES).values("pk")
    n, _ = DupKey.objects.filter(case_id__in=closed).delete()
    return n


def catch_up_job():
    """Worker job: index what was registered since the last run, and prune closed cases' keys."""
    n = catch_up()
    pruned = prune()
    return f"indexed {n}, pruned {pruned} keys"
