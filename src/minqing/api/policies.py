"""免申即享: /api/v1/policies, their matches (eligible subjects not yet served, in the caller's
scope, contact masked by role) and deliveries. The changes are ``minqing.policies.actions``."""

from typing import Annotated

from ninja import Field, Query, Router, Schema

from minqing.cases.errors import InvalidInput
from minqing.people.scoping import region_scope
from minqing.policies import actions, eligibility, figures
from minqing.policies.models import Policy
from minqing.regions.models import Region
from minqing.visits.actions import subject_dict, visible_subjects
from minqing.visits.models import Pairing, Subject

from .auth import actor
from .errors import Code, Day, Id, Page, PageSize, responses, text
from .schemas import Listing
from .serializers import _iso

router = Router(tags=["policies"])

Tags = Annotated[list[Annotated[str, Field(max_length=50)]], Field(max_length=actions.MAX_TAGS)]
AttrValue = Annotated[str, Field(max_length=100)] | Annotated[list[Annotated[str, Field(max_length=100)]],
                                                                Field(max_length=50)]


class EligibilityIn(Schema):
    kind: Code
    tags_any: Tags = []
    tags_all: Tags = []
    region: Code | None = None
    attrs: Annotated[dict[Annotated[str, Field(max_length=50)], AttrValue], Field(max_length=actions.MAX_ATTRS)] = {}


class PolicyIn(Schema):
    code: Code
    name: text(200)
    department: Code
    benefit: text(2000) = ""
    eligibility: EligibilityIn
    starts_on: Day | None = None
    ends_on: Day | None = None


def policy_dict(p):
    return {"code": p.code, "name": p.name, "department": p.department.code, "department_name": p.department.name,
            "benefit": p.benefit,
            "eligibility": {"kind": p.kind, "tags_any": p.tags_any, "tags_all": p.tags_all,
                            "region": p.region.code if p.region_id else None, "attrs": p.attrs},
            "starts_on": _iso(p.starts_on), "ends_on": _iso(p.ends_on)}


def _scope_region(a):
    """The caller's first region (None: all) for figures."""
    cond = region_scope(a)
    if a.is_admin or cond is None:
        return None
    regions = [m.region for m in a.memberships if m.region_id]
    return regions[0] if regions else None


def _region(code):
    actions.case_actions.no_nul(code, "region")
    r = Region.objects.filter(code=code).first()
    if r is None:
        raise InvalidInput(f"区划不存在 / unknown region: {code}", field="region")
    return r


@router.post("/policies", response=responses(dict, 201), summary="Publish a policy (免申即享)")
def create_policy(request, payload: PolicyIn):
    data = payload.dict()
    p, _ = actions.do_save_policy(actor(request), create_only=True, **data)
    return 201, policy_dict(Policy.objects.select_related("department", "region").get(pk=p.pk))


class PolicyList(Schema):
    region: Code | None = None
    page: Page = 1
    page_size: PageSize(200) = 50


@router.get("/policies", response=responses(Listing), summary="Policies with eligible, delivered and the rate")
def list_policies(request, q: Query[PolicyList]):
    a = actor(request)
    region = _region(q.region) if q.region else _scope_region(a)
    if region is not None and not (a.is_admin or a.covers_region(region, *_REGION_ROLES)):
        from minqing.cases.errors import Forbidden

        raise Forbidden("无权查看该区划 / you may not see this region")
    qs = figures.policies_in(region).order_by("code")
    total = qs.count()
    rows = []
    for p in qs[(q.page - 1) * q.page_size: q.page * q.page_size]:
        rows.append({**policy_dict(p), **figures.policy_counts(p, region)})
    return {"count": total, "page": q.page, "page_size": q.page_size,
            "region": region.code if region else None, "results": rows}


_REGION_ROLES = ("dispatcher", "operator", "leader", "supervisor", "return_visitor", "cadre")


@router.get("/policies/{code}", response=responses(), summary="One policy with its figures by region")
def get_policy(request, code: Code, region: Code | None = None):
    a = actor(request)
    p = actions.load_policy(code)
    r = _region(region) if region else _scope_region(a)
    if r is not None and not (a.is_admin or a.covers_region(r, *_REGION_ROLES)):
        from minqing.cases.errors import Forbidden

        raise Forbidden("无权查看该区划 / you may not see this region")
    return {**policy_dict(p), **figures.policy_counts(p, r), "by_region": figures.by_region(p, r),
            "region": r.code if r else None}


class MatchQuery(Schema):
    region: Code | None = None
    page: Page = 1
    page_size: PageSize(200) = 50


@router.get("/policies/{code}/matches", response=responses(Listing),
            summary="Eligible subjects not yet served, in the caller's scope (contact masked by role)")
def matches(request, code: Code, q: Query[MatchQuery]):
    a = actor(request)
    p = actions.load_policy(code)
    qs = eligibility.not_served(p, visible_subjects(a, Subject.objects.select_related("region")))
    if q.region:
        qs = qs.filter(region_path__startswith=_region(q.region).path)
    total = qs.count()
    rows = list(qs.prefetch_related("tags").order_by("region_path", "external_id")[
        (q.page - 1) * q.page_size: q.page * q.page_size])
    paired = set()
    if a.user is not None:
        paired = set(Pairing.objects.filter(cadre=a.user, until__isnull=True, subject__in=[s.pk for s in rows])
                     .values_list("subject_id", flat=True))
    return {"count": total, "page": q.page, "page_size": q.page_size, "policy": p.code,
            "results": [subject_dict(s, a, paired=s.pk in paired) for s in rows]}


class DeliveryIn(Schema):
    subject: Code
    visit: Id | None = None
    note: text(500) = ""


@router.post("/policies/{code}/deliveries", response={**responses(dict, 201), 200: dict},
             summary="Record a delivery (idempotent: the same subject again answers 200 with the first)")
def deliver(request, code: Code, payload: DeliveryIn):
    d, created = actions.do_deliver(actor(request), code, subject=payload.subject, visit=payload.visit,
                                    note=payload.note)
    body = {"policy": code, "subject": d.subject.external_id, "visit": d.visit_id,
            "delivered_by": d.delivered_by.username if d.delivered_by_id else None,
            "delivered_at": _iso(d.delivered_at), "created": created}
    return (201 if created else 200), body
