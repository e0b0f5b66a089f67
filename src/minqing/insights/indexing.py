"""Keeping the insight indexes up to date.

On every registration ``on_event_recorded`` (a receiver of
``minqing.cases.signals.event_recorded``) writes one ``PendingIndex`` row in the
registration's own transaction — nothing else, so registration stays fast.
``catch_up`` then reads the pending cases in batches: normalises the text,
resolves the place, suggests categories, and writes ``CaseInsight``, the
duplicate keys and the search bigrams. It runs before every duplicate check and
search (so both always see every registered case) and in the worker. Each
caller first claims its batch of pending cases with a conditional UPDATE
(``claim``), so two indexers never index one case at once; a claim older than
CLAIM_LEASE (a killed worker) is taken over.
"""

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import duplicates, places
from .normalize import bigrams, normalize

log = logging.getLogger("minqing.insights")
BATCH = 2000
# a claim older than this is a dead indexer's: the next catch_up takes it over
# a claim older than this is a dead worker's (MINQING_CLAIM_LEASE_SECONDS, default 600)
CLAIM_LEASE = dt.timedelta(seconds=settings.MINQING_CLAIM_LEASE_SECONDS)


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


def index_cases(rows, token=None):
    """Index cases given as dicts with id, text, address and region__code. Returns how many.
    With ``token`` (a claim of ``catch_up``), only if the claim still holds: a claim taken
    over after CLAIM_LEASE is the other indexer's to write."""
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
        if token is not None:
            # still ours? (a claim taken over after CLAIM_LEASE: the other indexer writes)
            held = set(PendingIndex.objects.select_for_update().filter(case_id__in=ids, claimed_by=token)
                       .values_list("case_id", flat=True))
            if len(held) < len(ids):
                ids = [i for i in ids if i in held]
                insights = [x for x in insights if x.case_id in held]
                keys = [k for k in keys if k.case_id in held]
                grams = [g for g in grams if g.case_id in held]
        CaseInsight.objects.filter(case_id__in=ids).delete()
        DupKey.objects.filter(case_id__in=ids).delete()
        SearchGram.objects.filter(case_id__in=ids).delete()
        # ignore_conflicts: another process may be catching up the same cases at the same time
        CaseInsight.objects.bulk_create(insights, batch_size=500, ignore_conflicts=True)
        DupKey.objects.bulk_create(keys, batch_size=2000)
        SearchGram.objects.bulk_create(grams, batch_size=5000)
        PendingIndex.objects.filter(case_id__in=ids).delete()
    return len(ids)


def _unclaimed(now):
    from django.db.models import Q

    return Q(claimed_by="") | Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)


def candidates(size, now):
    """Ids of pending cases nobody is indexing, oldest first."""
    from .models import PendingIndex

    return list(PendingIndex.objects.filter(_unclaimed(now)).order_by("case_id")
                .values_list("case_id", flat=True)[:size])


def claim(size, now=None):
    """Claim up to ``size`` pending cases for this caller with one conditional UPDATE (a
    case another indexer claimed in between no longer matches). Returns (token, ids)."""
    from .models import PendingIndex

    now = now or timezone.now()
    ids = candidates(size, now)
    if not ids:
        return None, []
    token = uuid.uuid4().hex
    PendingIndex.objects.filter(_unclaimed(now), case_id__in=ids).update(claimed_by=token, claimed_at=now)
    return token, list(PendingIndex.objects.filter(claimed_by=token).order_by("case_id")
                       .values_list("case_id", flat=True))


def catch_up(limit=None, progress=None):
    """Index every pending case (at most ``limit``) that no other indexer is working on.
    Returns how many were indexed; ``progress(done, total)`` hears of every batch."""
    from minqing.cases.models import Case

    from .models import PendingIndex

    done = 0
    total = None
    if progress is not None:
        total = PendingIndex.objects.count() if limit is None else limit
        progress(0, total)
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        token, ids = claim(size)
        if not ids:
            break
        rows = list(Case.objects.filter(pk__in=ids).values("id", "text", "address", "region__code"))
        found = {r["id"] for r in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            PendingIndex.objects.filter(case_id__in=missing).delete()
        done += index_cases(rows, token=token)
        if progress is not None:
            progress(done, max(total, done))
        if len(ids) < size:
            break
    return done


def reindex_all(progress=None):
    """Queue every case and index it again (after a change of the region tree or categories)."""
    from minqing.cases.models import Case

    from .models import PendingIndex

    existing = set(PendingIndex.objects.values_list("case_id", flat=True))
    todo = [PendingIndex(case_id=pk) for pk in Case.objects.values_list("pk", flat=True) if pk not in existing]
    PendingIndex.objects.bulk_create(todo, batch_size=5000)
    return catch_up(progress=progress)


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
