"""Classes of problems (一类问题): group similar cases into topics.

Over a window and region (a ``figures.Scope``), cases are grouped by category
(the dispatcher's, else the suggested one), and within each category clustered
by k-means over TF-IDF of their content words (read once at indexing time, in
``CaseInsight.tokens``). Each topic has:

- ``keywords``: the heaviest words of its centre (its label);
- ``size``, ``by_channel``, ``by_region`` (the level below the scope's region);
- ``trend``: cases per week (per month for windows over 120 days) and
  ``growth`` = (cases in the second half of the window + 1) / (first half + 1);
- ``dissatisfaction`` = (unsatisfied ratings + 1) / (rated cases + 2);
- ``score`` = size × growth × dissatisfaction — the "problem of the month" rank.

A topic can be adopted (``adopt``): a ``cases.Topic`` row linking its cases and
recording the policy response.
"""

import datetime as dt
import math
from collections import Counter, defaultdict

import numpy as np
from django.db import transaction
from django.utils import timezone

from minqing.cases.models import Case, Category, Rating, Topic
from minqing.regions.models import Region

from .indexing import catch_up

MIN_SIZE = 3
MAX_K = 60


class TopicError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def _load(scope):
    from .models import CaseInsight

    catch_up()
    rows = list(
        Case.objects.filter(scope.case_filter()).values(
            "id", "channel", "region_path", "registered_at", "category__code", "last_rating"
        )
    )
    ids = [r["id"] for r in rows]
    ins = {}
    for i in range(0, len(ids), 20000):
        ins.update(
            {c: (t, cats) for c, t, cats in
             CaseInsight.objects.filter(case_id__in=ids[i:i + 20000]).values_list("case_id", "tokens", "categories")}
        )
    for r in rows:
        tokens, cats = ins.get(r["id"], ("", []))
        r["tokens"] = tokens
        r["cat"] = r["category__code"] or (cats[0] if cats else "other")
    return rows


def _vectorize(docs):
    """TF-IDF of content words over the whole scope (so the labels are the words that set a topic apart)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=str.split, min_df=2, max_df=0.8, sublinear_tf=True)
    try:
        return vec.fit_transform(docs), np.array(vec.get_feature_names_out())
    except ValueError:  # no word occurs twice
        return None, None


def _cluster(x, k, seed=0):
    from sklearn.cluster import MiniBatchKMeans

    if x is None or k <= 1 or x.shape[1] == 0 or x.shape[0] <= k:
        return np.zeros(0 if x is None else x.shape[0], dtype=int)
    km = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=4096, n_init=3, max_iter=100)
    return km.fit_predict(x)


def _period(d, monthly):
    return d.strftime("%Y-%m") if monthly else f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}"


def find_topics(scope, *, limit=20, min_size=MIN_SIZE):
    """Ranked candidate topics for a scope (best "problem of the month" first)."""
    rows = _load(scope)
    if not rows:
        return []
    tz = timezone.get_current_timezone()
    dates = [timezone.localtime(r["registered_at"], tz).date() for r in rows]
    start = scope.date_from or min(dates)
    end = scope.date_to or max(dates)
    span = max((end - start).days, 1)
    mid = start + dt.timedelta(days=span / 2)
    monthly = span > 120
    depth = len([c for c in scope.region.path.strip("/").split("/") if c]) if scope.region else 0
    by_cat = defaultdict(list)
    for i, r in enumerate(rows):
        by_cat[r["cat"]].append(i)
    cat_names = dict(Category.objects.values_list("code", "name"))
    x_all, terms = _vectorize([r["tokens"] or "_" for r in rows])
    topics = []
    for cat, members in by_cat.items():
        if len(members) < min_size:
            continue
        k = max(1, min(MAX_K, int(math.sqrt(len(members) / 8))))
        x = x_all[members] if x_all is not None else None
        labels = _cluster(x, k)
        if len(labels) != len(members):
            labels = np.zeros(len(members), dtype=int)
        for lab in np.unique(labels):
            local = np.where(labels == lab)[0]
            if len(local) < min_size:
                continue
            idxs = [members[j] for j in local]
            if x is not None and terms is not None and len(terms):
                centre = np.asarray(x[local].mean(axis=0)).ravel()
                top = [terms[j] for j in np.argsort(-centre)[:5] if centre[j] > 0]
            else:
                top = []
            chans = Counter(rows[i]["channel"] for i in idxs)
            regs = Counter()
            for i in idxs:
                parts = [c for c in rows[i]["region_path"].strip("/").split("/") if c]
                regs[parts[depth] if len(parts) > depth else (parts[-1] if parts else "")] += 1
            trend = Counter(_period(dates[i], monthly) for i in idxs)
            late = sum(1 for i in idxs if dates[i] >= mid)
            early = len(idxs) - late
            growth = (late + 1) / (early + 1)
            rated = [rows[i]["last_rating"] for i in idxs if rows[i]["last_rating"]]
            unsat = sum(1 for v in rated if v == Rating.UNSATISFIED)
            dissat = (unsat + 1) / (len(rated) + 2)
            topics.append({
                "category": cat,
                "category_name": cat_names.get(cat, cat),
                "title": f"{cat_names.get(cat, cat)}：{'、'.join(top[:3])}" if top else cat_names.get(cat, cat),
                "keywords": top,
                "size": len(idxs),
                "by_channel": dict(chans.most_common()),
                "by_region": dict(regs.most_common()),
                "trend": dict(sorted(trend.items())),
                "growth": round(growth, 3),
                "dissatisfaction": round(dissat, 3),
                "rated": len(rated),
                "unsatisfied": unsat,
                "score": round(len(idxs) * growth * dissat, 3),
                "case_ids": sorted(rows[i]["id"] for i in idxs),
            })
    names = dict(Region.objects.filter(code__in={c for t in topics for c in t["by_region"]}).values_list("code", "name"))
    for t in topics:
        t["by_region"] = [{"code": c, "name": names.get(c, c), "count": n} for c, n in t["by_region"].items()]
    topics.sort(key=lambda t: (-t["score"], -t["size"], t["title"]))
    for rank, t in enumerate(topics, 1):
        t["rank"] = rank
    return topics[:limit]


# ---- who may see and adopt a topic -------------------------------------------------------------------

def _topic_roles():
    from minqing.people.models import Role

    return (Role.LEADER, Role.DISPATCHER)


def topic_scope(actor):
    """The cases a leader's or dispatcher's scope covers, as a filter on the case's region
    path; ``None`` when it covers everything (an admin, a role without a region); an empty
    filter for someone with neither role."""
    from django.db.models import Q

    if actor.is_admin:
        return None
    roles = _topic_roles()
    cond = Q(pk__in=[])
    for m in actor.memberships:
        if m.role in roles:
            if m.region_id is None:
                return None
            cond |= Q(region_path__startswith=m.region.path)
    return cond


def outside_scope(actor, case_ids):
    """The ids among ``case_ids`` that the actor's topic scope does not cover (unknown ids too)."""
    ids = sorted({int(i) for i in case_ids})
    scope = topic_scope(actor)
    qs = Case.objects.filter(pk__in=ids)
    if scope is not None:
        qs = qs.filter(scope)
    inside = set(qs.values_list("pk", flat=True))
    return [i for i in ids if i not in inside]


def may_see(actor, topic):
    """A topic is visible and adoptable only by someone whose scope covers its region
    and ALL its cases (a topic with neither region nor cases: only by an unscoped one)."""
    scope = topic_scope(actor)
    if scope is None:
        return True
    if not any(m.role in _topic_roles() for m in actor.memberships):
        return False
    if topic.region_id is not None and not actor.covers_region(topic.region, *_topic_roles()):
        return False
    cases = topic.cases.all()
    if topic.region_id is None and not cases.exists():
        return False
    return not cases.exclude(scope).exists()


@transaction.atomic
def adopt(actor, *, title, case_ids, keywords=(), region=None, policy="", topic=None):
    """Adopt a topic: create (or update) a ``Topic`` linking its cases, with the policy response."""
    from minqing.people.scoping import visible_cases

    title = (title or "").strip()
    if topic is None and not title:
        raise TopicError("title 必填 / title is required", "title")
    if len(title) > 200:
        raise TopicError("title 过长 / title is too long", "title")
    ids = sorted({int(i) for i in case_ids or []})
    if not ids and topic is None:
        raise TopicError("至少包含一个案件 / case_ids must name at least one case", "case_ids")
    visible = set(visible_cases(actor, Case.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in visible]
    if not unknown:
        unknown = outside_scope(actor, ids)  # a topic holds only cases the adopter's whole scope covers
    if topic is not None and not may_see(actor, topic):
        raise TopicError("专题不存在 / topic not found", "topic")
    if unknown:
        raise TopicError(f"案件不存在或无权查看 / unknown or not visible cases: {unknown[:10]}", "case_ids")
    if isinstance(region, str) and region:
        code = region
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise TopicError(f"区划不存在 / unknown region: {code}", "region")
    if topic is None:
        topic = Topic(title=title)
    elif title:
        topic.title = title
    if keywords:
        topic.keywords = [str(k) for k in keywords][:20]
    if region is not None:
        topic.region = region
    topic.policy = policy or topic.policy
    topic.adopted_at = timezone.now()
    topic.adopted_by = actor.user
    topic.save()
    if ids:
        topic.cases.add(*ids)
    return topic


def topic_dict(topic):
    return {
        "id": topic.pk,
        "title": topic.title,
        "keywords": topic.keywords,
        "region": topic.region.code if topic.region_id else None,
        "adopted_at": topic.adopted_at.isoformat() if topic.adopted_at else None,
        "adopted_by": topic.adopted_by.get_username() if topic.adopted_by_id else None,
        "policy": topic.policy,
        "case_ids": sorted(topic.cases.values_list("pk", flat=True)),
    }
