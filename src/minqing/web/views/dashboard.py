"""驾驶舱 (the leader dashboard) and the public board (公示)."""

import datetime as dt
import io

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minqing.cases.models import Case, Category, Channel, State
from minqing.insights import figures
from minqing.people.models import Role
from minqing.people.scoping import mask_name
from minqing.regions.models import Region

from ..conf import web_setting
from ..figcache import cached_figures
from .common import (
    Page,
    get_actor,
    live_alert,
    mask_text,
    not_found,
    parse_date,
    role_required,
    state_in_newest_first,
    today,
)
from .work import ByDeadline, alert_q

FIGURES = [
    ("intake", gettext_noop("受理量"), "count"),
    ("response_rate", gettext_noop("响应率"), "rate"),
    ("completion_rate", gettext_noop("办结率"), "rate"),
    ("on_time_rate", gettext_noop("按期办结率"), "rate"),
    ("resolution_rate", gettext_noop("解决率"), "rate"),
    ("satisfaction_rate", gettext_noop("满意率"), "rate"),
    ("mean_score", gettext_noop("平均评分"), "score"),
    ("reopen_rate", gettext_noop("重办率"), "rate"),
]
# Which way is good: +1 a rise is good, -1 a fall is good, 0 neither (intake is demand, not merit).
GOOD_DIRECTION = {"intake": 0, "reopen_rate": -1}
# Each rate's numerator and denominator in figures.rates() (the XLSX writes both beside the rate).
RATE_PARTS = {
    "response_rate": ("accepted_on_time", "assigned"),
    "completion_rate": ("handled", "intake"),
    "on_time_rate": ("handled_on_time", "handled"),
    "resolution_rate": ("resolved", "intake"),
    "satisfaction_rate": ("satisfied_visits", "rated_visits"),
    "mean_score": ("score_sum", "scored_visits"),
    "reopen_rate": ("reopened", "ever_handled"),
}
DASHBOARD_ROLES = (Role.LEADER, Role.SUPERVISOR)


def _window(request):
    to = parse_date(request.GET.get("to")) or today()
    frm = parse_date(request.GET.get("from")) or (to - dt.timedelta(days=89))
    if frm > to:
        frm, to = to, frm
    return frm, to


def _leader_region(request):
    """The region asked for if the viewer covers it, else the viewer's own; (region, error)."""
    actor = get_actor(request)
    own = actor.regions_for(*DASHBOARD_ROLES)
    code = request.GET.get("region")
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None or not actor.covers_region(region, *DASHBOARD_ROLES):
            return None, True
        return region, False
    if own:
        return own[0], False
    if actor.is_admin or any(m.role in DASHBOARD_ROLES and m.region_id is None for m in actor.memberships):
        roots = list(Region.objects.filter(parent__isnull=True)[:2])
        return (roots[0] if len(roots) == 1 else None), False
    return None, True


def previous_window(frm, to):
    """The window of the same length just before [frm, to]: what 较上期 compares with."""
    days = (to - frm).days + 1
    return frm - dt.timedelta(days=days), frm - dt.timedelta(days=1)


def dashboard_data(region, frm, to):
    scope = figures.Scope(region=region, date_from=frm, date_to=to)
    period = "month" if (to - frm).days > 200 else "week"
    pfrm, pto = previous_window(frm, to)
    prev_scope = figures.Scope(region=region, date_from=pfrm, date_to=pto)

    def compute():
        trend = figures.trend(scope, period)  # its periods partition the scope: the totals are their sum
        return {
            "figures": figures.combine(trend, scope),
            "trend": trend,
            "table": figures.channel_category(scope),
            "regions": figures.region_breakdown(scope, region) if region else [],
            "ranking": figures.department_ranking(scope),
            "previous": figures.compute(prev_scope),
            "top": figures.top_problems(scope),
            "red_ids": red_list_ids(region),
        }

    data, at = cached_figures(f"dash3|{region.code if region else ''}|{frm}|{to}", compute)
    data = {**data, "scope": scope, "period": period, "computed_at": dt.datetime.fromtimestamp(at, dt.UTC),
            "prev_from": pfrm, "prev_to": pto}
    data["ranking"], data["unranked"] = split_ranking(data["ranking"])
    # the cached figures carry the categories' Chinese names; the page and its export name them
    # in the viewer's language
    names = category_names()
    t = data["table"]
    data["table"] = {**t, "categories": [(code, names.get(code) or name) for code, name in t["categories"]]}
    data["top"] = [{**p, "category_name": names.get(p["category"]) or p["category_name"]} for p in data["top"]]
    red = Case.objects.filter(pk__in=data["red_ids"]).select_related("lead_department", "region", "category")
    data["red"] = sorted(red, key=lambda c: (c.deadline, c.pk))
    return data


def split_ranking(ranking, limit=15):
    """(ranked, unranked): departments with fewer than RANK_MIN_CASES cases in the window are
    listed apart, unranked: a rate over three cases says little (one case is 33 points)."""
    least = web_setting("RANK_MIN_CASES")
    ranked = [dict(r) for r in ranking if r["intake"] >= least]
    for pos, r in enumerate(ranked, 1):
        r["rank"] = pos
    unranked = [r for r in ranking if r["intake"] < least]
    return ranked[:limit], unranked


def category_names():
    """{code: the category's name in the current language} (its English name where it has one)."""
    return {c.code: c.local_name for c in Category.objects.only("code", "name", "name_en")}


def red_list_ids(region, limit=20):
    """The region's most overdue open cases now (whenever they were registered)."""
    qs = Case.objects.filter(alert_q("red"))
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    return [c.pk for c in ByDeadline(qs.only("id", "deadline"))[:limit]]


def _chart_payload(d):
    trend = d["trend"]
    return {
        "trend": {
            "x": [t["period"].isoformat() for t in trend],
            "intake": [t["intake"] for t in trend],
            "completion": [_p(t["completion_rate"]) for t in trend],
            "satisfaction": [_p(t["satisfaction_rate"]) for t in trend],
            "on_time": [_p(t["on_time_rate"]) for t in trend],
        },
        "channels": [{"name": str(Channel(c).label), "value": d["table"]["by_channel"][c]} for c in d["table"]["channels"]],
        "categories": {
            "names": [n or _("未分类") for _c, n in d["table"]["categories"][:12]],
            "values": [d["table"]["by_category"][c] for c, _n in d["table"]["categories"][:12]],
        },
        "regions": {
            "names": [r["name"] for r in d["regions"]],
            "intake": [r["intake"] for r in d["regions"]],
            "completion": [_p(r["completion_rate"]) for r in d["regions"]],
        },
        "ranking": {
            "names": [r["name"] for r in d["ranking"]],
            "completion": [_p(r["completion_rate"]) for r in d["ranking"]],
            "intake": [r["intake"] for r in d["ranking"]],
        },
        "labels": {
            "intake": _("受理量"), "completion": _("办结率"), "satisfaction": _("满意率"), "on_time": _("按期办结率"),
        },
    }


def _p(v):
    return None if v is None else round(v * 100, 1)


def _figure_cards(d):
    """The figures of the window with their trend and 较上期: the change against the previous
    window of the same length (not one week against the week before under 90-day totals).
    ``tone`` follows the meaning: a rise of 重办率 is bad, a change of intake is neither."""
    f, prev = d["figures"], d["previous"]
    cards = []
    for key, label, kind in FIGURES:
        series = [t.get(key) for t in d["trend"]]
        delta = None
        if f.get(key) is not None and prev.get(key) is not None:
            delta = f[key] - prev[key]
        good = GOOD_DIRECTION.get(key, 1)
        tone = "flat" if not delta or not good else ("good" if (delta > 0) == (good > 0) else "bad")
        cards.append({"key": key, "label": _(label), "value": f.get(key), "kind": kind, "series": series,
                      "delta": delta, "delta_abs": None if delta is None else abs(delta),
                      "previous": prev.get(key), "tone": tone})
    return cards


@role_required(*DASHBOARD_ROLES)
def dashboard(request):
    region, denied = _leader_region(request)
    if denied:
        return not_found(request)
    frm, to = _window(request)
    d = dashboard_data(region, frm, to)
    crumbs = region.ancestors() if region else []
    actor = get_actor(request)
    crumbs = [r for r in crumbs if actor.covers_region(r, *DASHBOARD_ROLES)]
    for r in d["red"]:
        r.alert = live_alert(r)
    t = d["table"]
    share_rows = [
        {"name": name, "cells": [t["shares"].get((ch, code)) for ch in t["channels"]], "total": t["by_category"][code]}
        for code, name in t["categories"]
    ]
    ctx = {
        **d, "region": region, "frm": frm, "to": to, "cards": _figure_cards(d), "crumbs": crumbs,
        "share_rows": share_rows, "channel_totals": [t["by_channel"][ch] for ch in t["channels"]],
        "chart": _chart_payload(d), "channel_labels": dict(Channel.choices),
        "rank_min": web_setting("RANK_MIN_CASES"),
        # 挂图作战: the map's data (GET /api/v1/map) for the same region and window
        "map_query": (f"region={region.code}&" if region else "") + f"from={frm.isoformat()}&to={to.isoformat()}",
        "frm_s": frm.isoformat(), "to_s": to.isoformat(),
    }
    from minqing.surveys.figures import survey_figures  # the independent survey, a separate figure

    ctx["survey"] = survey_figures(region, frm, to)
    return render(request, "web/dashboard/dashboard.html", ctx)


@role_required(*DASHBOARD_ROLES)
def dashboard_xlsx(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from minqing.tabular import safe_row

    region, denied = _leader_region(request)
    if denied:
        return not_found(request)
    frm, to = _window(request)
    d = dashboard_data(region, frm, to)
    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title, header, rows, first=False, pct=()):
        """One sheet; the columns whose header is in ``pct`` hold rates, shown as percentages."""
        ws = wb.active if first else wb.create_sheet()
        ws.title = title
        ws.append(safe_row(header))
        for c in ws[1]:
            c.font = bold
        for r in rows:
            ws.append(safe_row(r))  # a case's text or a name never becomes a live formula
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = max(10, min(40, max(len(str(c.value or "")) for c in col) + 2))
            if col[0].value in pct:
                for c in col[1:]:
                    c.number_format = "0.0%"
        return ws

    f, prev, counts = d["figures"], d["previous"], d["figures"]["counts"]
    head = [_("指标"), _("数值"), _("分子"), _("分母"), _("上期数值"), _("较上期")]
    rows = []
    for key, label, _kind in FIGURES:
        num, den = RATE_PARTS.get(key, (None, None))
        value, before = f.get(key), prev.get(key)
        change = None if value is None or before is None else round(value - before, 4)
        rows.append((_(label), value, counts.get(num) if num else None, counts.get(den) if den else None,
                     before, change))
    ws = sheet(_("指标"), head, rows + [
        ("", None, None, None, None, None),
        (_("区域"), region.full_name() if region else _("全部")),
        (_("时间"), f"{frm} – {to}"),
        (_("上期"), f"{d['prev_from']} – {d['prev_to']}"),
    ], first=True)
    for i, (_key, _label, kind) in enumerate(FIGURES, start=2):
        if kind == "rate":  # the rate, the previous one and the change as percentages; counts stay integers
            for col in ("B", "E", "F"):
                ws[f"{col}{i}"].number_format = "0.0%"
    rate_keys = [k for k, _lab, _kind in FIGURES]
    pct = {_(lab) for _k, lab, kind in FIGURES if kind == "rate"}
    sheet(_("趋势"), [_("周期")] + [_(lab) for _k, lab, _x in FIGURES],
          [[t["period"].isoformat()] + [t.get(k) for k in rate_keys] for t in d["trend"]], pct=pct)
    t = d["table"]
    sheet(_("渠道×分类"), [_("分类")] + [str(Channel(c).label) for c in t["channels"]] + [_("合计")],
          [[n or _("未分类")] + [t["cells"].get((ch, c), 0) for ch in t["channels"]] + [t["by_category"][c]]
           for c, n in t["categories"]])
    sheet(_("渠道×分类占比"), [_("分类")] + [str(Channel(c).label) for c in t["channels"]],
          [[n or _("未分类")] + [t["shares"].get((ch, c), 0) for ch in t["channels"]] for c, n in t["categories"]],
          pct={str(Channel(c).label) for c in t["channels"]})
    sheet(_("区域"), [_("区域"), _("代码")] + [_(lab) for _k, lab, _x in FIGURES],
          [[r["name"], r["region"]] + [r.get(k) for k in rate_keys] for r in d["regions"]], pct=pct)
    sheet(_("部门排名"), [_("名次"), _("部门")] + [_(lab) for _k, lab, _x in FIGURES],
          [[r["rank"], r["name"]] + [r.get(k) for k in rate_keys] for r in d["ranking"]]
          + [["", r["name"] + _("（件数不足，未排名）")] + [r.get(k) for k in rate_keys] for r in d["unranked"]],
          pct=pct)
    sheet(_("红色预警"), [_("查询码"), _("内容"), _("承办部门"), _("办理时限")],
          [[c.tracking_code, c.text[:100], c.lead_department.name if c.lead_department else "", c.deadline]
           for c in d["red"]])
    sheet(_("高频问题"), [_("分类"), _("地点"), _("件数"), _("未办结")],
          [[p["category_name"], p["region_name"], p["count"], p["open"]] for p in d["top"]])
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"minqing-{region.code if region else 'all'}-{frm}-{to}.xlsx"
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


# ---- the public board -----------------------------------------------------------------

BOARD_STATES = (State.REGISTERED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED, State.HANDLED, State.CLOSED)


def board_figures(region):
    """The public board's rates: the region's cases registered in the last 12 months."""
    scope = figures.Scope(region=region, date_from=today() - dt.timedelta(days=364))
    f, _at = cached_figures(f"board|{region.code if region else ''}|{scope.date_from}", lambda: figures.compute(scope))
    return f


def board(request, code=None):
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            return not_found(request)
    else:
        roots = list(Region.objects.filter(parent__isnull=True).order_by("code")[:2])
        region = roots[0] if len(roots) == 1 else None
    f = board_figures(region)
    qs = Case.objects.select_related("region", "category", "lead_department")
    if region:
        qs = qs.filter(region_path__startswith=region.path)
    page = Page(request, state_in_newest_first(qs, BOARD_STATES), per_page=15)
    for c in page.object_list:
        c.public_text = mask_text(c.text)
        c.public_result = mask_text(c.result)
        c.public_reporter = "" if c.anonymous else mask_name(c.reporter_name)
    children = Region.objects.filter(parent=region).order_by("code") if region else Region.objects.filter(parent__isnull=True)
    ctx = {"region": region, "figures": f, "page": page, "cases": page.object_list, "children": children,
           "crumbs": region.ancestors() if region else [],
           # 挂图作战: the public map (web:board_map), a click opens the county's board
           "map_src": reverse("web:board_map") + (f"?region={region.code}" if region else ""),
           "map_drill": reverse("web:board_region", args=["CODE"])}
    return render(request, "web/board/board.html", ctx)


def board_map(request):
    """The public board's map: counties coloured by a figure; case points rounded to ~100 m, no visits."""
    from django.http import JsonResponse

    from minqing.geo import mapdata

    code = request.GET.get("region") or ""
    metric = request.GET.get("metric") or "intake"
    if len(code) > 64 or metric not in mapdata.METRICS:
        return JsonResponse({"code": "invalid", "field": "metric" if len(code) <= 64 else "region",
                             "message": "metric must be intake|red|satisfaction"}, status=422)
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            return JsonResponse({"code": "not_found", "message": "unknown region"}, status=404)
    else:
        roots = list(Region.objects.filter(parent__isnull=True).order_by("code")[:2])
        region = roots[0] if len(roots) == 1 else None
    data, _at = cached_figures(f"boardmap|{region.code if region else ''}|{metric}|{today()}", lambda: mapdata.build(
        region, metric, cases_qs=Case.objects.filter(state__in=BOARD_STATES), public=True,
        date_from=today() - dt.timedelta(days=364)))
    return JsonResponse(data)
