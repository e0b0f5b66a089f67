"""Exports: the case list, tasks, effects and figures as streamed CSV and XLSX, scoped and masked."""

import csv
import io

import openpyxl
import pytest

from minqing.cases import actions


def _get(client, world, user, url, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {world.tokens[user]}")


def _table(resp, fmt, sheet=0):
    body = b"".join(resp.streaming_content)
    if fmt == "csv":
        assert body.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [[("" if v is None else v) for v in r] for r in wb.worksheets[sheet].iter_rows(values_only=True)]


@pytest.fixture
def cases(world):
    disp, water, rv, roads = world.actor("disp_zt"), world.actor("water"), world.actor("rv_lk"), world.actor("roads")
    a = actions.register(disp, text="朱亭村停水", channel="hotline", kind="complaint", category="water_supply",
                         region="430212101201", reporter_name="李小红", reporter_phone="13800001234")
    actions.assign(disp, a, department="lk-water")
    actions.accept(water, a)
    actions.handle(water, a, result="已修复", disposition="solved")
    actions.visit_back(rv, a, rating="satisfied", score=9)
    b = actions.register(disp, text="龙船村路灯坏了", channel="web", kind="help", category="municipal_facilities",
                         region="430212102201", reporter_name="周大成", reporter_phone="13900005678")
    actions.assign(world.actor("disp_lk"), b, department="lk-roads")
    actions.accept(roads, b)
    actions.create_task(roads, title="更换路灯", department="lk-roads", cases=[b.pk])
    return a, b


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_case_list_scoped_and_masked(client, world, cases, fmt):
    # the dispatcher of the county sees both, with the contact in full
    resp = _get(client, world, "disp_lk", f"/api/v1/exports/cases.{fmt}")
    assert resp.status_code == 200 and resp.streaming
    assert resp["Content-Disposition"].startswith('attachment; filename="cases-')
    rows = _table(resp, fmt)
    head = rows[0]
    assert head[0] == "查询码 / tracking_code"
    name, phone = head.index("反映人 / reporter_name"), head.index("联系电话 / reporter_phone")
    assert sorted(r[name] for r in rows[1:]) == ["周大成", "李小红"]
    assert "13800001234" in [r[phone] for r in rows[1:]]
    # the water department sees its own case only, in full (it must call the reporter)
    rows = _table(_get(client, world, "water", f"/api/v1/exports/cases.{fmt}"), fmt)
    assert len(rows) == 2 and rows[1][name] == "李小红"
    # a cadre of the township sees its cases masked
    rows = _table(_get(client, world, "cadre_zt", f"/api/v1/exports/cases.{fmt}"), fmt)
    assert len(rows) == 2 and rows[1][name] == "李**" and rows[1][phone] == "138****1234"
    # a leader of another county sees nothing
    rows = _table(_get(client, world, "leader_yx", f"/api/v1/exports/cases.{fmt}"), fmt)
    assert len(rows) == 1


def test_case_list_filters(client, world, cases):
    rows = _table(_get(client, world, "admin", "/api/v1/exports/cases.csv", state="closed"), "csv")
    assert len(rows) == 2 and rows[1][8] == "朱亭村停水"
    rows = _table(_get(client, world, "admin", "/api/v1/exports/cases.csv", department="lk-roads"), "csv")
    assert len(rows) == 2 and rows[1][8] == "龙船村路灯坏了"
    rows = _table(_get(client, world, "admin", "/api/v1/exports/cases.csv", region="430212102"), "csv")
    assert len(rows) == 2
    rows = _table(_get(client, world, "admin", "/api/v1/exports/cases.csv", q="路灯", channel="web"), "csv")
    assert len(rows) == 2


@pytest.mark.parametrize("params,field", [({"state": "nope"}, "state"), ({"region": "999"}, "region"),
                                          ({"channel": "fax"}, "channel"), ({"from": "yesterday"}, "from")])
def test_case_list_bad_filters(client, world, params, field):
    resp = _get(client, world, "admin", "/api/v1/exports/cases.csv", **params)
    assert resp.status_code == 422 and resp.json()["field"] == field


def test_bad_format_and_no_credentials(client, world):
    assert _get(client, world, "admin", "/api/v1/exports/cases.pdf").status_code == 422
    assert client.get("/api/v1/exports/cases.csv").status_code == 401


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_tasks_and_effects(client, world, cases, fmt):
    rows = _table(_get(client, world, "roads", f"/api/v1/exports/tasks.{fmt}"), fmt)
    assert len(rows) == 2 and rows[1][1] == "更换路灯" and rows[1][3] == "进行中"
    assert len(_table(_get(client, world, "water", f"/api/v1/exports/tasks.{fmt}"), fmt)) == 1
    assert _get(client, world, "roads", f"/api/v1/exports/tasks.{fmt}", status="nope").status_code == 422
    rows = _table(_get(client, world, "disp_lk", f"/api/v1/exports/effects.{fmt}"), fmt)
    assert len(rows) == 2 and rows[1][4] == "已修复" and rows[1][8] == "满意"
    assert len(_table(_get(client, world, "roads", f"/api/v1/exports/effects.{fmt}"), fmt)) == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_figures(client, world, cases, fmt):
    resp = _get(client, world, "leader_city", f"/api/v1/exports/figures.{fmt}")
    assert resp.status_code == 200
    rows = _table(resp, fmt)
    values = {r[0]: r[1] for r in rows[1:] if r}
    assert str(values["受理量 / intake"]) == "2"
    assert float(values["满意率 / satisfaction rate"]) == 1.0
    if fmt == "xlsx":
        ranking = _table(_get(client, world, "leader_city", "/api/v1/exports/figures.xlsx"), fmt, sheet=1)
        assert ranking[0][0] == "名次 / rank" and {r[1] for r in ranking[1:]} == {"渌口区水务局", "渌口区交通运输局"}
    # a leader of another county may not ask for this county's figures
    assert _get(client, world, "leader_yx", f"/api/v1/exports/figures.{fmt}", region="430212").status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reporter_text_cannot_become_a_formula(client, world, fmt):
    actions.register(world.actor("disp_zt"), text='=HYPERLINK("http://evil.example","点我")', channel="web",
                     kind="complaint", region="430212101201")
    rows = _table(_get(client, world, "admin", f"/api/v1/exports/cases.{fmt}"), fmt)
    assert rows[1][8] == '\'=HYPERLINK("http://evil.example","点我")'


def test_xlsx_really_streams_and_is_a_valid_workbook():
    import zipfile

    from minqing.intake.exports import _xlsx_stream

    consumed = []

    def rows():
        for i in range(3000):
            consumed.append(i)
            yield [i, f"第{i}行\x07", None, True, 1.5, "=1+1"]

    stream = _xlsx_stream([("清单", ["编号", "内容", "空", "是否", "数", "公式"], rows()), ("第二页", ["a"], iter([["b"]]))])
    first = next(stream)
    assert first and consumed == []  # bytes leave before the first row is read
    chunks = [first]
    for chunk in stream:
        chunks.append(chunk)
        if len(chunks) == 3:
            assert 0 < len(consumed) < 3000  # and rows are read as the bytes go out
    body = b"".join(chunks)
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None
    wb = openpyxl.load_workbook(io.BytesIO(body))  # the full (not read-only) reader
    ws = wb["清单"]
    assert ws["A1"].value == "编号" and ws["A1"].font.b
    assert ws["A3001"].value == 2999 and ws["B2"].value == "第0行\ufffd" and ws["D2"].value == "是"
    assert ws["F2"].value == "'=1+1" and ws["F2"].data_type == "s"
    assert wb["第二页"]["A2"].value == "b"
