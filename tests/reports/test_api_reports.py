"""GET /api/v1/reports over HTTP: roles, scope, errors, formats; and the equality test: every
figure in the report (read back from its XLSX) equals the same figure from /api/v1/stats,
/api/v1/stats/departments and /api/v1/coverage for the same windows."""

import datetime as dt
import io

import httpx
import openpyxl
import pytest

from minqing.reports import periods


@pytest.fixture
def get(trworld, live_server):
    def call(who, path, **params):
        headers = {"Authorization": f"Bearer {trworld.tokens[who]}"} if who else {}
        return httpx.get(live_server.url + "/api/v1" + path, params=params, headers=headers, timeout=120)
    return call


def _xlsx(resp):
    assert resp.status_code == 200, resp.text
    return openpyxl.load_workbook(io.BytesIO(resp.content))


def _rows(wb, sheet):
    return list(wb[sheet].iter_rows(min_row=3, values_only=True))


def _dig(d, dotted):
    for part in dotted.split("."):
        d = d[part]
    return d


def _change(now, base, rate):
    if now is None or base is None:
        return None
    if rate:
        return round(now - base, 4)
    return round((now - base) / base, 4) if base else None


def test_every_number_equals_the_stats_api(trworld, get):
    month = trworld.month
    windows = [month, periods.previous(month), periods.year_ago(month)]
    wb = _xlsx(get("leader_city", "/reports", period="month", region="430200", date=month.start.isoformat(),
                   format="xlsx"))

    def stats(w, path="/stats", **kw):
        r = get("admin", path, region="430200", **{"from": w.start.isoformat(), "to": w.end.isoformat()}, **kw)
        assert r.status_code == 200, r.text
        return r.json()

    figs = [stats(w) for w in windows]
    assert figs[0]["intake"] == 7 and figs[1]["intake"] == 2 and figs[2]["intake"] == 1  # the world is as meant
    rows = _rows(wb, "overview")
    assert len(rows) >= 10
    for _label, code, now, prev, hb, yago, tb in rows:
        want = [_dig(f, code) for f in figs]
        assert [now, prev, yago] == want, code
        is_rate = code.endswith("_rate")
        if code != "mean_score":
            assert hb == pytest.approx(_change(want[0], want[1], is_rate)) if hb is not None else \
                _change(want[0], want[1], is_rate) is None
            assert tb == pytest.approx(_change(want[0], want[2], is_rate)) if tb is not None else \
                _change(want[0], want[2], is_rate) is None

    for sheet, param in (("channels", "channel"), ("categories", "category")):
        rows = _rows(wb, sheet)
        assert rows, sheet
        for _label, code, now, prev, _hb, yago, _tb, share in rows:
            if not code:
                continue  # 未分类: no filter of /stats names it
            want = [stats(w, **{param: code})["intake"] for w in windows]
            assert [now, prev, yago] == want, (sheet, code)
            assert share == pytest.approx(round(want[0] / figs[0]["intake"], 4))
        assert sum(r[2] for r in rows) == figs[0]["intake"]

    ranking = {r["department"]: r for r in stats(month, "/stats/departments")["results"]}
    prev_ranking = {r["department"]: r for r in stats(windows[1], "/stats/departments")["results"]}
    rows = _rows(wb, "ranking")
    assert {r[2] for r in rows} == set(ranking)
    for rank, name, code, intake, completion, change, on_time, satisfaction, resolution, red in rows:
        r = ranking[code]
        assert (rank, name, intake, completion, on_time, satisfaction, resolution, red) == (
            r["rank"], r["name"], r["intake"], r["completion_rate"], r["on_time_rate"], r["satisfaction_rate"],
            r["resolution_rate"], r["counts"]["red"])
        base = prev_ranking.get(code, {}).get("completion_rate")
        assert change == (None if base is None or r["completion_rate"] is None
                          else pytest.approx(round(r["completion_rate"] - base, 4)))

    cov = [stats(w, "/coverage") for w in windows]
    rows = _rows(wb, "visits")
    for _label, code, now, prev, _hb, yago, _tb in rows:
        assert [now, prev, yago] == [_dig(c, code) for c in cov], code
    assert cov[0]["visit_coverage"]["visited"] == 1  # the world's one visit is in the report
    by_region = {r["region"]: r for r in cov[0]["visit_coverage"]["by_region"]}
    for _name, code, rate, visited, subjects in _rows(wb, "visits_by_region"):
        assert (rate, visited, subjects) == (by_region[code]["rate"], by_region[code]["visited"],
                                             by_region[code]["subjects"])


def test_roles_and_scope(trworld, get):
    day = trworld.month.start.isoformat()
    ok = {"leader_city": "430200", "admin": "430200", "sup_lk": "430212"}
    for who, region in ok.items():
        r = get(who, "/reports", period="week", region=region, date=day, format="docx")
        assert r.status_code == 200, (who, r.text)
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
        assert 'filename="report-week-' + region in r.headers["content-disposition"]
    assert get("leader_city", "/reports", period="week", region="430212101", date=day,
               format="xlsx").status_code == 200  # a region below one's own
    for who, region in (("leader_yx", "430212"), ("sup_lk", "430200"), ("sup_lk", "430223"), ("disp_lk", "430212"),
                        ("water", "430212"), ("cadre_zt", "430212101"), ("rv_lk", "430212")):
        r = get(who, "/reports", period="week", region=region, date=day, format="xlsx")
        assert r.status_code == 403 and r.json()["code"] == "forbidden", (who, region, r.text)
    assert get(None, "/reports", period="week", region="430200", format="xlsx").status_code == 401


def test_bad_parameters(trworld, get):
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    cases = [
        ({"period": "fortnight", "region": "430200"}, "period"),
        ({"period": "month", "region": "430200", "format": "odt"}, "format"),
        ({"period": "month", "region": "999999"}, "region"),
        ({"period": "month", "region": "430200", "date": "2026-13-01"}, "date"),
        ({"period": "month", "region": "430200", "date": "0001-01-01"}, "date"),
        ({"period": "month", "region": "430200", "date": future}, "date"),
        ({"period": "month", "region": "4" * 65}, "region"),
        ({"period": "month"}, "region"),
        ({"region": "430200"}, "period"),
        ({"period": "month", "region": "4302\x0000"}, "region"),
    ]
    for params, field in cases:
        r = get("admin", "/reports", **params)
        assert r.status_code in (400, 422), (params, r.status_code, r.text)
        body = r.json()
        assert body["code"] in ("invalid", "bad_request") and body.get("field") == field, (params, body)


def test_pdf_and_the_period_containing_today(trworld, get):
    import pypdfium2 as pdfium

    r = get("leader_city", "/reports", period="year", region="430200", format="pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    this_year = periods.window("year", dt.date.today())
    assert f"report-year-430200-{this_year.start.isoformat()}.pdf" in r.headers["content-disposition"]
    text = pdfium.PdfDocument(r.content)[0].get_textpage().get_text_range()
    assert "株洲市民情工作年度报告" in text


def test_an_archived_report_is_served_as_archived(trworld, get):
    from minqing.regions.models import Region
    from minqing.reports.actions import generate_archived
    from minqing.reports.models import Report

    month = trworld.month
    rep = generate_archived("month", Region.objects.get(code="430212"), month.start, "test", formats=("xlsx",))
    assert rep is not None
    Report.objects.filter(pk=rep.pk).update(xlsx=b"archived bytes")  # the archive is what is served
    r = get("sup_lk", "/reports", period="month", region="430212", date=(month.start + dt.timedelta(days=9)).isoformat(),
            format="xlsx")
    assert r.status_code == 200 and r.content == b"archived bytes"
    r = get("sup_lk", "/reports", period="month", region="430212", date=month.start.isoformat(), format="docx")
    assert r.status_code == 200 and r.content[:2] == b"PK"  # not archived in this format: made now
