"""/api/v1/insights: analyse a text, duplicates of a case, search, topics, channel × category shares."""

from typing import Annotated

from ninja import Field, Query, Router, Schema

from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.cases.models import Case, Topic
from minqing.insights import analyze as analysis
from minqing.insights import duplicates, search, shares, topics
from minqing.insights.indexing import catch_up, place_for
from minqing.insights.text import read
from minqing.people.models import Role
from minqing.people.scoping import text_masker, visible_cases

from .auth import actor
from .cases import case_queryset
from .errors import MAX_LIST, Code, Id, Page, PageSize, Query_, responses, text
from .serializers import case_summary
from .stats import StatsQuery, scope_for

router = Router(tags=["insights"])
MAX_PAGE_SIZE = 100
TOPIC_ROLES = (Role.LEADER, Role.DISPATCHER)


class AnalyzeIn(Schema):
    text: text()
    region: Code | None = None


@router.post("/insights/analyze", response=responses(), summary="Read a text: place, categories, departments, duplicates")
def analyze(request, payload: AnalyzeIn):
    a = actor(request)
    try:
        return analysis.analyze(
            payload.text, region=payload.region or None, visible=visible_cases(a, Case.objects.all())
        )
    except analysis.AnalyzeError as e:
        raise InvalidInput(str(e), field=e.field) from None


@router.get("/insights/cases/{case_id}/duplicates", response=responses(),
            summary="Open cases that duplicate this one")
def case_duplicates(request, case_id: Id):
    a = actor(request)
    case = visible_cases(a, Case.objects.select_related("region")).filter(pk=case_id).first()
    if case is None:
        raise NotFound("案件不存在 / case not found")
    catch_up()
    from minqing.insights import places

    idx = places.index()
    rd = read(case.text, idx)
    place = place_for(rd, case.region.code if case.region_id else None, idx)
    ins = getattr(case, "insight", None)
    cats = ([case.category.code] if case.category_id else []) + (list(ins.categories) if ins else [])
    scores = dict(zip(ins.categories, ins.category_scores)) if ins else {}
    item = {
        "place_key": duplicates.place_key(place),
        "place_ident": duplicates.place_ident(place),
        "content": rd.content,
        "tokens": rd.tokens,
        "categories": list(dict.fromkeys(cats)),
        "scores": scores or {c: 1.0 for c in cats[:1]},
    }
    found = duplicates.find([item], exclude={case.pk}, visible=visible_cases(a, Case.objects.all()))[0]
    return {"case_id": case.pk, "duplicates": found, "merge": f"/api/v1/cases/{case.pk}/merge"}


class SearchQuery(Schema):
    q: Query_
    page: Page = 1
    page_size: PageSize(MAX_PAGE_SIZE) = 20


@router.get("/insights/search", response=responses(), summary="Full-text search over the cases the caller may see")
def search_cases(request, f: Query[SearchQuery]):
    a = actor(request)
    if f.page < 1:
        raise InvalidInput("page 必须 ≥ 1 / page must be >= 1", field="page")
    if not 1 <= f.page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size 取值 1..{MAX_PAGE_SIZE} / page_size must be 1..{MAX_PAGE_SIZE}",
                           field="page_size")
    try:
        qs = search.filter_cases(visible_cases(a, case_queryset()), f.q)
    except search.SearchError as e:
        raise InvalidInput(str(e), field="q") from None
    total = qs.count()
    start = (f.page - 1) * f.page_size
    results = []
    for c in qs.order_by("-registered_at", "-id")[start : start + f.page_size]:
        item = case_summary(c, a)
        item["snippet"] = search.snippet(text_masker(a, c)(c.text), f.q)  # masked first: a cut never splits a number
        results.append(item)
    return {"q": f.q, "total": total, "page": f.page, "page_size": f.page_size, "results": results}


class TopicsQuery(StatsQuery):
    limit: Annotated[int, Field(ge=1, le=200)] = 20
    min_size: Annotated[int, Field(ge=2, le=1000)] = 3


@router.get("/insights/topics", response=responses(), summary="Classes of problems in a window and region, ranked")
def list_topics(request, q: Query[TopicsQuery]):
    if not 1 <= q.limit <= 200:
        raise InvalidInput("limit 取值 1..200 / limit must be 1..200", field="limit")
    if not 2 <= q.min_size <= 1000:
        raise InvalidInput("min_size 取值 2..1000 / min_size must be 2..1000", field="min_size")
    a = actor(request)
    if not a.is_admin and not any(m.role in TOPIC_ROLES for m in a.memberships):
        raise Forbidden("只有领导或调度员可以查看一类问题 / only leaders and dispatchers may see topics")
    scope = scope_for(request, StatsQuery(**q.dict(exclude={"limit", "min_size"}, by_alias=True)))
    # a topic is listed only when the caller's topic scope covers all its cases
    found = topics.find_topics(scope, limit=q.limit, min_size=q.min_size, covered=topics.covered_paths(a))
    return {"scope": scope.as_dict(), "topics": found}


class AdoptIn(Schema):
    title: text(200)
    case_ids: Annotated[list[Id], Field(max_length=MAX_LIST)]
    keywords: Annotated[list[Code], Field(max_length=50)] = []
    region: Code | None = None
    policy: text() = ""


def _require_topic_role(a, region_code):
    if a.is_admin:
        return
    from minqing.regions.models import Region

    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region_code and region is None:
        raise InvalidInput(f"区划不存在 / unknown region: {region_code}", field="region")
    if not any(m.role in TOPIC_ROLES for m in a.memberships):
        raise Forbidden("只有领导或调度员可以采纳专题 / only leaders and dispatchers may adopt a topic")
    if region is not None and not a.covers_region(region, *TOPIC_ROLES):
        raise Forbidden("无权在该区域采纳专题 / you may not adopt a topic for this region")


@router.post("/insights/topics", response=responses(dict, 201), summary="Adopt a topic: link its cases, record the policy")
def adopt_topic(request, payload: AdoptIn):
    a = actor(request)
    _require_topic_role(a, payload.region)
    try:
        t = topics.adopt(a, title=payload.title, case_ids=payload.case_ids, keywords=payload.keywords,
                         region=payload.region, policy=payload.policy)
    except topics.TopicError as e:
        raise InvalidInput(str(e), field=e.field) from None
    return 201, topics.topic_dict(t)


class PolicyIn(Schema):
    policy: text()
    case_ids: Annotated[list[Id], Field(max_length=MAX_LIST)] = []


def _visible_topic(a, topic_id):
    """The topic when the caller's scope covers its region and all its cases, else 404
    (whether it exists is not told)."""
    t = Topic.objects.select_related("region").filter(pk=topic_id).first()
    if t is None or not topics.may_see(a, t):
        raise NotFound("专题不存在 / topic not found")
    return t


@router.get("/insights/topics/{topic_id}", response=responses(), summary="One adopted topic (only for whom it is in scope)")
def get_topic(request, topic_id: Id):
    return topics.topic_dict(_visible_topic(actor(request), topic_id))


@router.post("/insights/topics/{topic_id}/adopt", response=responses(),
             summary="Adopt an existing topic with a policy")
def adopt_existing(request, topic_id: Id, payload: PolicyIn):
    a = actor(request)
    if not a.is_admin and not any(m.role in TOPIC_ROLES for m in a.memberships):
        raise Forbidden("只有领导或调度员可以采纳专题 / only leaders and dispatchers may adopt a topic")
    t = _visible_topic(a, topic_id)
    _require_topic_role(a, t.region.code if t.region_id else None)
    if not payload.policy.strip():
        raise InvalidInput("policy 必填 / policy is required", field="policy")
    try:
        t = topics.adopt(a, title="", case_ids=payload.case_ids, policy=payload.policy, topic=t)
    except topics.TopicError as e:
        if e.field == "topic":
            raise NotFound(str(e)) from None
        raise InvalidInput(str(e), field=e.field) from None
    return topics.topic_dict(t)


@router.get("/insights/shares", response=responses(), summary="Share of each category in each channel for a window")
def channel_shares(request, q: Query[StatsQuery]):
    return shares.channel_category_shares(scope_for(request, q))

