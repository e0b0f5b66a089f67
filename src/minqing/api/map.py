"""/api/v1/map: 挂图作战, the counties of a region coloured by a figure (issue 16 part 6)."""

from ninja import Field, Query, Router, Schema

from minqing.cases.errors import Forbidden, InvalidInput
from minqing.cases.models import Case
from minqing.geo import mapdata
from minqing.people.scoping import REGION_ROLES, visible_cases
from minqing.regions.models import Region
from minqing.visits.models import Visit

from .auth import actor
from .errors import Code, Day, responses

router = Router(tags=["map"])


class MapQuery(Schema):
    region: Code | None = None
    metric: Code = "intake"
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")


def map_region(a, code):
    """The region asked for, inside the caller's regions (their first one by default)."""
    region = None
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise InvalidInput(f"区划不存在 / unknown region: {code}", field="region")
    if a.is_admin or any(m.role in REGION_ROLES and m.region_id is None for m in a.memberships):
        if region is None:
            roots = list(Region.objects.filter(parent__isnull=True)[:2])
            region = roots[0] if len(roots) == 1 else None
        return region
    regions = a.regions_for(*REGION_ROLES)
    if not regions:
        raise Forbidden("无权查看地图 / you may not see the map")
    if region is None:
        return regions[0]
    if any(region.path.startswith(r.path) for r in regions):
        return region
    raise Forbidden("无权查看该区划的地图 / you may not see the map of this region")


@router.get("/map", response=responses(), summary="挂图作战: a GeoJSON FeatureCollection of the region's counties, "
                                                    "coloured by intake, red cases or satisfaction")
def region_map(request, q: Query[MapQuery]):
    from .visits import visible_visits

    a = actor(request)
    if q.metric not in mapdata.METRICS:
        raise InvalidInput(f"metric 应为 {'|'.join(mapdata.METRICS)} / metric must be one of "
                           f"{', '.join(mapdata.METRICS)}", field="metric")
    region = map_region(a, q.region)
    try:
        return mapdata.build(region, q.metric, cases_qs=visible_cases(a, Case.objects.all()),
                             visits_qs=visible_visits(a, Visit.objects.all()),
                             date_from=q.date_from, date_to=q.date_to)
    except mapdata.MapError as e:
        raise InvalidInput(str(e), field=e.field) from None
