"""The leader dashboard (figures, trend, share table, drill-down, XLSX), the public
board (no login, masked, rates) and the language switch."""

import io

from django.test import Client
from openpyxl import load_workbook

from minqing.cases import actions
from minqing.insights import figures

from .helpers import days_ago, new_case, through
from .test_work import login


def _some_cases(world):
    closed = through(world, new_case(world), "close")
    handled = through(world, new_case(world, text="朱亭村路灯不亮，晚上出行不便", category="municipal_facilities",
                                      phone="13600001234"), "assign")
    yx = new_case(world, text="城东社区停水", region="430223100001", phone="")
    late = new_case(world, text="龙船村道路破损", category="roads_transport", region="430212102201", at=days_ago(30))
    actions.assign(world.actor("disp_lk"), late, department="lk-roads", at=days_ago(30))
    return closed, handled, yx, late


def test_dashboard_shows_every_figure_with_tables(world):
    closed, handled, yx, late = _some_cases(world)
    resp = login(world, "leader_city").get("/dashboard/")
    assert resp.status_code == 200
    html = resp.content.decode()
    f = resp.context["figures"]
    assert f["intake"] == 4 and f == figures.compute(figures.Scope(region=world.regions["430200"],
                                                                   date_from=resp.context["frm"],
                                                                   date_to=resp.context["to"]))
    for label in ("受理量", "响应率", "办结率", "按期办结率", "解决率", "满意率", "平均评分", "重办率"):
        assert label in html
    assert "渠道 × 分类占比" in html and "100.0%" in html  # one channel, one column summing to 100 %
    assert "渌口区" in html and "攸县" in html  # region breakdown one level down
    assert late.tracking_code in html  # red list
    assert html.count("数据表") >= 4  # every chart's numbers one click away
    assert 'id="chart-data"' in html and "/static/web/vendor/echarts.min.js" in html


def test_dashboard_drills_down_and_respects_the_leaders_region(world):
    _some_cases(world)
    city = login(world, "leader_city")
    down = city.get("/dashboard/", {"region": "430212"})
    assert down.status_code == 200 and down.context["figures"]["intake"] == 3
    assert "朱亭镇" in down.content.decode() and "龙船镇" in down.content.decode()
    yx = login(world, "leader_yx")
    assert yx.get("/dashboard/").context["figures"]["intake"] == 1
    assert yx.get("/dashboard/", {"region": "430212"}).status_code == 404


def test_dashboard_window(world):
    _some_cases(world)
    c = login(world, "leader_city")
    html = c.get("/dashboard/", {"from": days_ago(35).date().isoformat(), "to": days_ago(20).date().isoformat()})
    assert html.context["figures"]["intake"] == 1


def test_dashboard_exports_xlsx(world):
    _some_cases(world)
    resp = login(world, "leader_city").get("/dashboard/export.xlsx")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["指标", "趋势", "渠道×分类", "渠道×分类占比", "区域", "部门排名", "红色预警", "高频问题"]
    first = {r[0]: r[1] for r in wb["指标"].iter_rows(min_row=2, values_only=True)}
    assert first["受理量"] == 4
    regions = [r[0] for r in wb["区域"].iter_rows(min_row=2, values_only=True)]
    assert regions == ["渌口区", "攸县"]


def test_public_board_masks_and_shows_rates(world):
    closed, handled, yx, late = _some_cases(world)
    anon = Client()
    resp = anon.get("/board/430212/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert closed.tracking_code not in html  # tracking codes are the reporter's key
    assert "13812345678" not in html and "张三" not in html and "张*" in html
    assert "已抢修管道" in html  # the answer
    assert "城东社区停水" not in html  # another county
    f = resp.context["figures"]
    assert f["intake"] == 3 and "33.3%" in html  # completion 1/3
    assert anon.get("/board/").status_code == 200
    assert anon.get("/board/nowhere/").status_code == 404


def test_board_masks_numbers_inside_the_text(world):
    new_case(world, text="我的电话13912345678，身份证430212199001011234，请联系")
    html = Client().get("/board/").content.decode()
    assert "13912345678" not in html and "139****5678" in html and "199001011234" not in html


def test_language_switch_translates_the_page(world):
    c = Client()
    assert "我要反映问题或建议" in c.get("/report/").content.decode()
    resp = c.post("/i18n/setlang/", {"language": "en", "next": "/report/"})
    assert resp.status_code == 302
    html = c.get("/report/").content.decode()
    assert "Report a problem or a suggestion" in html and "我要反映问题或建议" not in html
    assert 'lang="en"' in html and "中文" in html  # the switch back


def test_worker_job_computes_the_dashboards_ahead(world, settings):
    from django.core.cache import cache

    from minqing.web.jobs import warm_pages

    settings.MINQING_WEB = {**settings.MINQING_WEB, "FIGURES_MAX_STALE": 3600}
    _some_cases(world)
    cache.clear()
    assert warm_pages() == "3 regions"  # 株洲市, 渌口区, 攸县: the leaders' and supervisors' regions
    c = login(world, "leader_city")
    before = c.get("/dashboard/").context["figures"]["intake"]
    new_case(world, text="新问题：村口桥面裂缝", category="roads_transport")
    # within the staleness bound the page shows what the worker computed …
    assert c.get("/dashboard/").context["figures"]["intake"] == before
    settings.MINQING_WEB = {**settings.MINQING_WEB, "FIGURES_MAX_STALE": 0}
    # … and with none, the new event makes it compute again
    assert c.get("/dashboard/").context["figures"]["intake"] == before + 1


def test_english_dashboard_and_export_name_the_categories_in_english(world):
    from django.conf import settings

    from minqing.cases.models import Category

    _some_cases(world)
    new_case(world, text="朱亭村又停水了", phone="")  # a recurring problem: water at 朱亭村 twice
    Category.objects.filter(code="roads_transport").update(name_en="")  # no English name: the Chinese one stays
    c = login(world, "leader_city")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    resp = c.get("/dashboard/")
    html = resp.content.decode()
    names = {"water_supply": "Water supply", "municipal_facilities": "Municipal facilities", "roads_transport": "道路交通"}
    assert dict(resp.context["table"]["categories"]) == names
    assert "Water supply" in html and "Municipal facilities" in html and "供水" not in html and "市政设施" not in html
    assert "Water supply" in resp.context["chart"]["categories"]["names"]
    assert [p["category_name"] for p in resp.context["top"]] == ["Water supply"]
    wb = load_workbook(io.BytesIO(c.get("/dashboard/export.xlsx").content))
    table = [r[0] for r in wb.worksheets[2].iter_rows(min_row=2, values_only=True)]
    shares = [r[0] for r in wb.worksheets[3].iter_rows(min_row=2, values_only=True)]
    top = [r[0] for r in wb.worksheets[7].iter_rows(min_row=2, values_only=True)]
    assert table == shares == [n for _c, n in resp.context["table"]["categories"]]
    assert sorted(table) == sorted(names.values())
    assert top == ["Water supply"]
    # the same figures (cached once) in Chinese for a Chinese viewer
    zh = login(world, "leader_city").get("/dashboard/")
    assert dict(zh.context["table"]["categories"]) == {"water_supply": "供水", "municipal_facilities": "市政设施",
                                                       "roads_transport": "道路交通"}
    assert [p["category_name"] for p in zh.context["top"]] == ["供水"]


# ---- honest leader figures: equal windows, tone by meaning, ranking threshold, XLSX parts -------


def test_comparison_uses_the_previous_window_of_the_same_length(world):
    """较上期 compares the window shown with the window of the same length just before it."""
    from minqing.web.views.dashboard import previous_window

    _some_cases(world)  # three cases today, one 30 days ago
    new_case(world, text="朱亭村上个月停水", at=days_ago(50))
    c = login(world, "leader_city")
    to = days_ago(0).date()
    frm = to - __import__("datetime").timedelta(days=39)  # 40 days: the previous window holds day -50 only
    resp = c.get("/dashboard/", {"from": frm.isoformat(), "to": to.isoformat()})
    pfrm, pto = previous_window(frm, to)
    assert (pto - pfrm).days == (to - frm).days and pto == frm - __import__("datetime").timedelta(days=1)
    cards = {card["key"]: card for card in resp.context["cards"]}
    prev = figures.compute(figures.Scope(region=world.regions["430200"], date_from=pfrm, date_to=pto))
    assert prev["intake"] == 1 and cards["intake"]["previous"] == 1
    assert cards["intake"]["delta"] == resp.context["figures"]["intake"] - 1 == 3
    assert cards["intake"]["tone"] == "flat"  # more intake is neither good nor bad


def test_arrow_tone_follows_the_meaning():
    from minqing.web.views.dashboard import _figure_cards

    now = {"intake": 10, "completion_rate": 0.5, "reopen_rate": 0.1, "satisfaction_rate": 0.9,
           "response_rate": None, "on_time_rate": 0.5, "resolution_rate": 0.5, "mean_score": 4.0}
    before = {**now, "intake": 20, "completion_rate": 0.6, "reopen_rate": 0.2, "satisfaction_rate": 0.8,
              "response_rate": 0.7}
    cards = {c["key"]: c for c in _figure_cards({"figures": now, "previous": before, "trend": []})}
    assert cards["reopen_rate"]["tone"] == "good"  # a falling 重办率 is good
    assert cards["completion_rate"]["tone"] == "bad"
    assert cards["satisfaction_rate"]["tone"] == "good"
    assert cards["intake"]["tone"] == "flat"
    assert cards["response_rate"]["delta"] is None  # nothing to compare with
    assert cards["on_time_rate"]["tone"] == "flat" and cards["on_time_rate"]["delta"] == 0


def test_ranking_lists_small_units_apart(world, settings):
    _some_cases(world)
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "RANK_MIN_CASES": 3}
    for i in range(2):
        new_case(world, text=f"朱亭村路面坑洼第{i}处", category="roads_transport")
    roads = [c for c in __import__("minqing.cases.models", fromlist=["Case"]).Case.objects.filter(
        category__code="roads_transport", lead_department__isnull=True)]
    for case in roads:
        actions.assign(world.actor("disp_lk"), case, department="lk-roads")
    resp = login(world, "leader_city").get("/dashboard/")
    ranked = {r["department"] for r in resp.context["ranking"]}
    unranked = {r["department"] for r in resp.context["unranked"]}
    assert "lk-roads" in ranked and "lk-water" in unranked and not ranked & unranked
    assert [r["rank"] for r in resp.context["ranking"]] == list(range(1, len(ranked) + 1))
    html = resp.content.decode()
    assert 'id="unranked-note"' in html


def test_xlsx_writes_rates_as_percentages_with_their_parts(world):
    _some_cases(world)
    resp = login(world, "leader_city").get("/dashboard/export.xlsx")
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb["指标"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["指标", "数值", "分子", "分母"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2) if r[0].value}
    comp = rows["办结率"]
    assert comp[1].number_format == "0.0%"
    num, den = comp[2].value, comp[3].value
    assert den == 4 and comp[1].value == round(num / den, 4)
    assert rows["受理量"][1].number_format != "0.0%" and rows["受理量"][1].value == 4
    sat = rows["满意率"]
    assert sat[2].value is not None and sat[3].value is not None  # numerator and denominator filled
    trend = wb["趋势"]
    col = [c.value for c in trend[1]].index("办结率")
    assert all(row[col].number_format == "0.0%" for row in trend.iter_rows(min_row=2))
