"""/api/v1/regions and /api/v1/departments."""

from ninja import Router

from minqing.cases.actions import no_nul
from minqing.cases.errors import InvalidInput, NotFound
from minqing.regions.models import Department, Level, Region

from .errors import Code, Page, PageSize, Query_, responses
from .schemas import Listing

router = Router(tags=["regions"])


def region_dict(r):
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "parent": r.parent.code if r.parent_id else None,
        "tags": r.tags,
    }


@router.get("/regions", response=responses(Listing))
def list_regions(request, parent: Code | None = None, level: Code | None = None, q: Query_ | None = None,
                 page: Page = 1, page_size: PageSize(5000) = 500):
    for name, value in (("parent", parent), ("q", q)):
        no_nul(value, name)
    if level and level not in Level.values:
        raise InvalidInput(f"level must be one of {', '.join(Level.values)}", field="level")
    if page < 1 or not 1 <= page_size <= 5000:
        raise InvalidInput("page >= 1 and page_size 1..5000", field="page_size")
    qs = Region.objects.select_related("parent")
    if parent:
        p = Region.objects.filter(code=parent).first()
        if p is None:
            raise InvalidInput(f"unknown region: {parent}", field="parent")
        qs = qs.filter(parent=p)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(name__contains=q)
    total = qs.count()
    rows = qs.order_by("path")[(page - 1) * page_size : page * page_size]
    return {"count": total, "page": page, "page_size": page_size, "results": [region_dict(r) for r in rows]}


@router.get("/regions/{code}", response=responses())
def get_region(request, code: Code):
    no_nul(code, "code")
    r = Region.objects.select_related("parent").filter(code=code).first()
    if r is None:
        raise NotFound("区划不存在 / region not found")
    out = region_dict(r)
    out["path"] = [region_dict(a) for a in r.ancestors()]
    out["children"] = [region_dict(c) for c in r.children.select_related("parent").order_by("code")]
    return out


def department_dict(d):
    return {
        "code": d.code,
        "name": d.name,
        "region": d.region.code,
        "region_name": d.region.name,
        "categories": [c.code for c in d.categories.all()],
        "active": d.active,
    }


@router.get("/departments", response=responses(Listing))
def list_departments(request, region: Code | None = None, category: Code | None = None):
    no_nul(region, "region")
    no_nul(category, "category")
    qs = Department.objects.select_related("region").prefetch_related("categories").filter(active=True)
    if region:
        r = Region.objects.filter(code=region).first()
        if r is None:
            raise InvalidInput(f"unknown region: {region}", field="region")
        qs = qs.filter(region__path__startswith=r.path)
    if category:
        qs = qs.filter(categories__code=category)
    rows = list(qs.order_by("code"))
    return {"count": len(rows), "results": [department_dict(d) for d in rows]}


@router.get("/departments/{code}", response=responses())
def get_department(request, code: Code):
    no_nul(code, "code")
    d = Department.objects.select_related("region").prefetch_related("categories").filter(code=code).first()
    if d is None:
        raise NotFound("部门不存在 / department not found")
    return department_dict(d)
