"""/api/v1/exports/…: the case list, the three lists and the figures as CSV or XLSX,
streamed, with personal data masked by the exporter's role (``minqing.intake.exports``)."""

from ninja import Query, Router

from minqing.intake import exports

from .auth import actor
from .cases import CaseListFilters
from .errors import Code, responses
from .stats import StatsQuery, scope_for

router = Router(tags=["exports"])

FMT_DOC = "csv or xlsx"


CaseExportFilters = CaseListFilters


def _fmt(fmt):
    if fmt not in exports.FORMATS:
        from minqing.cases.errors import InvalidInput

        raise InvalidInput("格式应为 csv 或 xlsx / format must be csv or xlsx", field="format")
    return fmt


@router.get("/exports/cases.{fmt}", summary="问题清单 / the case list (filtered) as CSV or XLSX",
            description=FMT_DOC, response=responses(None))
def export_cases(request, fmt: Code, filters: Query[CaseExportFilters]):
    fmt = _fmt(fmt)
    a = actor(request)
    qs = exports.filter_cases(a, **filters.dict())
    return exports.response(fmt, "cases", [("问题清单", exports.CASE_HEADERS, exports.case_rows(a, qs))])


@router.get("/exports/tasks.{fmt}", summary="任务清单 / the task list as CSV or XLSX", response=responses(None))
def export_tasks(request, fmt: Code, status: Code | None = None, department: Code | None = None):
    fmt = _fmt(fmt)
    rows = exports.task_rows(actor(request), status=status, department=department)
    first = next(rows, None)  # validates the filters before the response starts

    def all_rows():
        if first is not None:
            yield first
        yield from rows

    return exports.response(fmt, "tasks", [("任务清单", exports.TASK_HEADERS, all_rows())])


@router.get("/exports/effects.{fmt}", summary="效果清单 / the effect list as CSV or XLSX",
            response=responses(None))
def export_effects(request, fmt: Code):
    fmt = _fmt(fmt)
    return exports.response(fmt, "effects", [("效果清单", exports.EFFECT_HEADERS, exports.effect_rows(actor(request)))])


@router.get("/exports/figures.{fmt}", summary="统计指标与部门排名 / figures and the department ranking",
            response=responses(None))
def export_figures(request, fmt: Code, q: Query[StatsQuery], order_by: Code = "completion_rate"):
    fmt = _fmt(fmt)
    allowed = ("completion_rate", "on_time_rate", "resolution_rate", "satisfaction_rate", "response_rate", "intake")
    if order_by not in allowed:
        from minqing.cases.errors import InvalidInput

        raise InvalidInput(f"order_by must be one of {', '.join(allowed)}", field="order_by")
    scope = scope_for(request, q)
    return exports.response(fmt, "figures", [
        ("统计指标", exports.FIGURE_HEADERS, exports.figure_rows(scope)),
        ("部门排名", exports.RANKING_HEADERS, exports.ranking_rows(scope, order_by)),
    ])
