"""/api/v1/patrols, /checklists, /patrols/figures: 安全先锋行 (issue 16, part 3)."""

from typing import Annotated

from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from minqing.api.auth import actor
from minqing.api.errors import Code, Day, Id, Page, PageSize, responses, text
from minqing.api.schemas import Listing
from minqing.cases.actions import no_nul
from minqing.cases.errors import Forbidden, InvalidInput
from minqing.people.models import Role

from . import actions, figures
from .models import Checklist, Patrol

router = Router(tags=["patrols"])
FIGURE_ROLES = (Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.CADRE)


class ItemIn(Schema):
    item: Code
    ok: bool
    note: text(actions.MAX_NOTE) = ""


class PatrolIn(Schema):
    cadre: Code
    region: Code
    subject: Code | None = None
    date: Day
    checklist: Code
    items: Annotated[list[ItemIn], Field(max_length=actions.MAX_ITEMS)]
    notes: text(actions.MAX_NOTE) = ""
    client_key: Code = Field("", description="the client's key of this patrol: a retried POST with the same "
                                             "key returns the first patrol (200) and registers nothing")


class PatrolFilters(Schema):
    region: Code | None = None
    checklist: Code | None = None
    cadre: Code | None = None
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")
    hazards: bool | None = None
    page: Page = 1
    page_size: PageSize(200) = 50


class FigureQuery(Schema):
    region: Code | None = None
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")


def _queryset():
    return Patrol.objects.select_related("region", "checklist", "cadre__profile", "subject__region")


@router.get("/checklists", response=responses(), summary="检查表: the active checklists with their items")
def list_checklists(request):
    return {"results": [
        {"code": c.code, "name": c.name, "place_type": c.place_type,
         "items": [{"item": i.code, "text": i.text, "category": i.category.code}
                   for i in c.items.filter(active=True).select_related("category")]}
        for c in Checklist.objects.filter(active=True)
    ]}


@router.post("/patrols", response={200: dict, **responses(dict, 201)},
             summary="Record a safety patrol; every failed item becomes a case (channel patrol)")
def record_patrol(request, payload: PatrolIn):
    data = payload.dict()
    data["items"] = [dict(i) for i in data["items"]]
    patrol, created = actions.do_record_patrol(actor(request), **data)
    return (201 if created else 200), actions.patrol_dict(_queryset().get(pk=patrol.pk), actor(request))




@router.get("/patrols", response=responses(Listing), summary="Patrols the caller may see")
def list_patrols(request, f: Query[PatrolFilters]):
    a = actor(request)
    for name in ("region", "checklist", "cadre"):
        no_nul(getattr(f, name), name)
    qs = actions.visible_patrols(a, _queryset())
    if f.region:
        region = figures.Region.objects.filter(code=f.region).first()
        if region is None:
            raise InvalidInput(f"区划不存在 / unknown region: {f.region}", field="region")
        qs = qs.filter(region_path__startswith=region.path)
    if f.checklist:
        qs = qs.filter(checklist__code=f.checklist)
    if f.cadre:
        qs = qs.filter(cadre__username=f.cadre)
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    if f.hazards is not None:
        qs = qs.filter(hazards__gt=0) if f.hazards else qs.filter(hazards=0)
    total = qs.count()
    rows = qs.order_by("-date", "-id")[(f.page - 1) * f.page_size: f.page * f.page_size]
    return {"count": total, "page": f.page, "results": [actions.patrol_dict(p, a) for p in rows]}


@router.get("/patrols/figures", response=responses(),
            summary="Hazards found, handled and fixed, by checklist and region")
def patrol_figures(request, q: Query[FigureQuery]):
    a = actor(request)
    no_nul(q.region, "region")
    try:
        scope = figures.make_scope(q.region, q.date_from, q.date_to)
    except figures.FigureError as e:
        raise InvalidInput(str(e), field=e.field) from None
    if not a.is_admin and not any(m.role in FIGURE_ROLES and m.region_id is None for m in a.memberships):
        regions = a.regions_for(*FIGURE_ROLES)
        if scope.region is None and regions:
            scope.region = regions[0]
        if scope.region is None or not any(scope.region.path.startswith(r.path) for r in regions):
            raise Forbidden("无权查看该范围的巡查统计 / you may not see patrol figures for this scope")
    return figures.hazards(scope)


@router.get("/patrols/{int:patrol_id}", response=responses(), summary="One patrol with its items, cases, photos")
def get_patrol(request, patrol_id: Id):
    return actions.patrol_dict(actions.load_patrol(actor(request), patrol_id), actor(request))


@router.post("/patrols/{int:patrol_id}/photos", response=responses(dict, 201),
             summary="Add a photo (multipart: file, item?) — JPEG/PNG/GIF/WebP up to 10 MB, cleaned of metadata")
def add_photo(request, patrol_id: Id, file: File[UploadedFile], item: Form[Code | None] = None):
    a = actor(request)
    photo = actions.do_add_photo(a, actions.load_patrol(a, patrol_id), file, item=item)
    return 201, {"id": photo.pk, "patrol": patrol_id, "item": item or None, "content_type": photo.content_type,
                 "size": photo.size}
