"""GET /api/v1/reports: a region's report for a week, month, quarter or year as DOCX, PDF or XLSX."""

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from minqing.api.auth import actor
from minqing.api.errors import Code, Day, responses
from minqing.cases.errors import Forbidden, InvalidInput
from minqing.regions.models import Region

from . import access, periods
from .render import CONTENT_TYPES, FORMATS

router = Router(tags=["reports"])


class ReportQuery(Schema):
    period: Code = Field(..., description="week, month, quarter or year")
    region: Code = Field(..., description="the region's code")
    date: Day | None = Field(None, description="a day in the period (default today: the period containing today)")
    format: Code = Field("pdf", description="docx, pdf or xlsx")


def _parse(request, q):
    if q.period not in periods.PERIODS:
        raise InvalidInput("周期应为 week、month、quarter 或 year / period must be week, month, quarter or year",
                           field="period")
    if q.format not in FORMATS:
        raise InvalidInput("格式应为 docx、pdf 或 xlsx / format must be docx, pdf or xlsx", field="format")
    if "\x00" in q.region:
        raise InvalidInput("region contains a NUL character", field="region")
    day = q.date or timezone.localdate()
    if day > timezone.localdate():
        raise InvalidInput("日期不能晚于今天 / date is in the future", field="date")
    region = Region.objects.filter(code=q.region).first()
    a = actor(request)
    if region is None:
        raise InvalidInput(f"区划不存在 / unknown region: {q.region}", field="region")
    if not access.may_read(a, region):
        raise Forbidden("无权查看该区划的报告 / you may not read reports of this region")
    return region, day


@router.get("/reports", response=responses(None), summary="五个一 report (周报/月报/季度通报/年报) as DOCX, PDF or XLSX",
            description="Leaders, supervisors and admins of the region. Without ``date``: the period containing today. "
                        "An ended period's report archived by the worker is served as archived.")
def report(request, q: Query[ReportQuery]):
    region, day = _parse(request, q)
    content, name = access.serve(region, q.period, day, q.format)
    resp = HttpResponse(content, content_type=CONTENT_TYPES[q.format])
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
