"""/reports/: the reports of each period (本期 made on demand, ended periods archived by the worker)."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from minqing.people.models import Role
from minqing.regions.models import Region
from minqing.web.views.common import forbidden, get_actor, role_required

from . import access, periods
from .models import Period, Report, Status
from .render import FORMATS

ARCHIVE_SHOWN = 12


def api_url(period, region, day, fmt):
    return "/api/v1/reports?" + urlencode({"period": period, "region": region.code, "date": day.isoformat(),
                                           "format": fmt})


@role_required(Role.LEADER, Role.SUPERVISOR)
def reports_page(request):
    actor = get_actor(request)
    code = request.GET.get("region") or ""
    homes = access.home_regions(actor)
    region = Region.objects.filter(code=code).first() if code else (homes[0] if homes else None)
    if region is None or not access.may_read(actor, region):
        return forbidden(request, _("无权查看该区划的报告。"))
    today = timezone.localdate()
    archived = {}
    for r in (Report.objects.filter(region=region).defer("docx", "pdf", "xlsx").order_by("-start")):
        archived.setdefault(r.period, []).append(r)
    kinds = []
    for value, label in Period.choices:
        current = periods.window(value, today)
        rows = []
        for r in archived.get(value, [])[:ARCHIVE_SHOWN]:
            w = periods.window(value, r.start)
            rows.append({"label": w.label, "report": r, "done": r.status == Status.DONE,
                         "links": [(f, api_url(value, region, r.start, f)) for f in FORMATS]})
        kinds.append({"period": value, "label": label, "current": current.label,
                      "links": [(f, api_url(value, region, today, f)) for f in FORMATS], "archive": rows})
    children = list(Region.objects.filter(parent=region).order_by("code")) if region.level in ("province", "city") else []
    return render(request, "reports/list.html", {
        "region": region, "kinds": kinds, "formats": FORMATS, "today": today, "periods": Period.choices,
        "children": [c for c in children if access.may_read(actor, c)],
        "parent": region.parent if region.parent_id and access.may_read(actor, region.parent) else None,
    })
