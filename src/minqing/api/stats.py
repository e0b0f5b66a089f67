"""/api/v1/stats: every figure of DOMAIN.md, and the department ranking."""


from ninja import Field, Query, Router, Schema

from minqing.cases.errors import Forbidden, InvalidInput
from minqing.insights import figures
from minqing.people.models import Role

from .auth import actor
from .errors import Code, Day, responses

router = Router(tags=["stats"])
SCOPED_ROLES = (Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.RETURN_VISITOR)


class StatsQuery(Schema):
    region: Code | None = None
    department: Code | None = None
    channel: Code | None = None
    category: Code | None = None
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")


def scope_for(request, q):
    """Parse the query; keep a region-scoped caller inside their region and a
    handler inside their department."""
    a = actor(request)
    params = dict(q.dict())
    try:
        scope = figures.make_scope(**params)
    except figures.FigureError as e:
        raise InvalidInput(str(e), field=e.field) from None
    if a.is_admin:
        return scope
    regions = a.regions_for(*SCOPED_ROLES)
    unscoped = any(m.role in SCOPED_ROLES and m.region_id is None for m in a.memberships)
    if unscoped:
        return scope
    if scope.region is None and regions:
        scope.region = regions[0]
    if scope.region is not None and any(scope.region.path.startswith(r.path) for r in regions):
        return scope
    depts = a.departments()
    if depts:
        if scope.department is None and len(depts) == 1:
            scope.department = depts[0]
        if scope.department is not None and scope.department.pk in a.department_ids():
            return scope
    raise Forbidden("无权查看该范围的统计 / you may not see figures for this scope")


@router.get("/stats", response=responses(), summary="Figures for a region/department/channel/category and window")
def stats(request, q: Query[StatsQuery]):
    scope = scope_for(request, q)
    out = figures.compute(scope)
    # 满意度测评 beside the return visits: a separate figure, by region and window only
    # (None for a department, channel or category scope, which a survey is not drawn by)
    from minqing.surveys.figures import survey_figures

    plain = scope.department is None and not scope.channel and scope.category is None
    out["survey"] = survey_figures(scope.region, scope.date_from, scope.date_to) if plain else None
    # 包案/积案 and 免申即享 figures of the region (a department's scope has none of its own)
    regional = scope.region is not None or scope.department is None
    if regional:
        from minqing.backlog import figures as backlog_figures
        from minqing.policies import figures as policy_figures

        out["backlog"] = backlog_figures.compute(scope.region, scope.date_from, scope.date_to)
        out["policies"] = {k: v for k, v in policy_figures.compute(scope.region).items() if k != "by_policy"}
        # 安全先锋行 hazards found and fixed in the window; 社区合伙人 and 微心愿 of the region
        from minqing.partners import figures as partner_figures
        from minqing.patrols import figures as patrol_figures

        patrol_scope = patrol_figures.Scope(scope.region, scope.date_from, scope.date_to)
        out["patrols"] = patrol_figures.hazards(patrol_scope)["total"]
        partners = partner_figures.summary(scope.region)
        out["partners"] = {"partners": partners["partners"], "wishes": partners["wishes"]["total"]}
    else:
        out["backlog"] = out["policies"] = out["patrols"] = out["partners"] = None
    return out


@router.get("/stats/departments", response=responses(), summary="Department ranking by the same figures")
def stats_departments(request, q: Query[StatsQuery], order_by: Code = "completion_rate"):
    allowed = ("completion_rate", "on_time_rate", "resolution_rate", "satisfaction_rate", "response_rate", "intake")
    if order_by not in allowed:
        raise InvalidInput(f"order_by must be one of {', '.join(allowed)}", field="order_by")
    scope = scope_for(request, q)
    return {"scope": scope.as_dict(), "results": figures.department_ranking(scope, order_by)}
