"""Spreadsheets are inert: no text written from data becomes a live formula.

A citizen's text, a task's title, a region's name … starting with = + - @, a tab or a
carriage return is written with a leading apostrophe by every CSV and XLSX writer
(``minqing.tabular.safe_cell``); numbers stay numbers. The XLSX files are opened as
ZIPs and every sheet's XML is searched for a formula element."""

import csv
import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from django.test import Client

from minqing.cases import actions
from minqing.cases.models import Case, Task
from minqing.regions.models import Region
from minqing.tabular import safe_cell, safe_row

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _no_formula_in(xlsx_bytes):
    """Every worksheet of the workbook, read as XML: no <f> element anywhere."""
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets
        for name in sheets:
            xml = z.read(name)
            assert not FORMULA.search(xml), f"a formula in {name}"
        # and no shared formula or calculation chain either
        assert "xl/calcChain.xml" not in z.namelist()
    return sheets


def _cells(xlsx_bytes):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    return [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]


def test_safe_cell_rule():
    for p in PAYLOADS:
        assert safe_cell(p) == "'" + p
    for text in ("朱亭村停水", "a=b", " =1", "", "13800001234", "2026-01-01"):
        assert safe_cell(text) == text
    # numbers stay numbers, also negative ones; dates and None pass through
    assert safe_row([-2, 3.5, 0, None, dt.date(2026, 1, 1), True]) == [-2, 3.5, 0, None, dt.date(2026, 1, 1), True]


def test_the_formula_check_would_see_a_formula():
    """The check of this file is not blind: openpyxl writes a live formula as <f>."""
    wb = openpyxl.Workbook()
    wb.active.append(['=HYPERLINK("http://x","y")'])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(AssertionError):
        _no_formula_in(buf.getvalue())


@pytest.fixture
def poisoned(world):
    """Cases, a task and an effect whose texts are the payloads (tab and CR kept: written
    straight to the row, as an older import or another system would have left them)."""
    disp, roads = world.actor("disp_zt"), world.actor("roads")
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    made = []
    for i, p in enumerate(PAYLOADS):
        c = actions.register(disp, text=f"text {i}", channel="hotline", kind="complaint",
                             category="municipal_facilities", region="430212101201", address=f"addr {i}",
                             reporter_name="张三", reporter_phone="13800001234", at=at)
        actions.assign(world.actor("disp_lk"), c, department="lk-roads", at=at)  # red by now
        Case.objects.filter(pk=c.pk).update(text=p, address=p)
        made.append(c)
    actions.accept(roads, made[0])
    task = actions.create_task(roads, title="task", department="lk-roads", cases=[made[0].pk])
    Task.objects.filter(pk=task.pk).update(title=PAYLOADS[0], outcome=PAYLOADS[3])
    closed = actions.register(disp, text="龙船村路灯坏了", channel="web", kind="help", category="water_supply",
                              region="430212101201")
    actions.assign(disp, closed, department="lk-water")
    actions.accept(world.actor("water"), closed)
    actions.handle(world.actor("water"), closed, result=PAYLOADS[1], disposition="solved")
    actions.visit_back(world.actor("rv_lk"), closed, rating="satisfied", score=9)
    Region.objects.filter(code="430212101201").update(name=PAYLOADS[0])  # a region named by an import
    return made


def _api(client, world, url):
    resp = client.get(url, HTTP_AUTHORIZATION=f"Bearer {world.tokens['admin']}")
    assert resp.status_code == 200, resp.content[:300]
    return b"".join(resp.streaming_content)


@pytest.mark.parametrize("what", ["cases", "tasks", "effects", "figures"])
def test_api_exports_xlsx_hold_no_formula(client, world, poisoned, what):
    body = _api(client, world, f"/api/v1/exports/{what}.xlsx")
    _no_formula_in(body)
    cells = _cells(body)
    expected = {"cases": PAYLOADS, "tasks": [PAYLOADS[0], PAYLOADS[3]], "effects": [PAYLOADS[1]],
                "figures": []}[what]
    for p in expected:
        assert "'" + p in cells, (what, p)
    for c in cells:
        assert not (isinstance(c, str) and c.startswith(("=", "+", "-", "@", "\t", "\r"))), (what, c)


@pytest.mark.parametrize("what", ["cases", "tasks", "effects"])
def test_api_exports_csv_cells_are_escaped(client, world, poisoned, what):
    body = _api(client, world, f"/api/v1/exports/{what}.csv").decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    expected = {"cases": PAYLOADS, "tasks": [PAYLOADS[0], PAYLOADS[3]], "effects": [PAYLOADS[1]]}[what]
    for p in expected:
        assert "'" + p in cells, (what, p)
        assert p not in cells
    for c in cells:
        assert not c.startswith(("=", "+", "-", "@", "\t", "\r")), (what, c)


def test_case_export_keeps_numbers_numbers(client, world, poisoned):
    wb = openpyxl.load_workbook(io.BytesIO(_api(client, world, "/api/v1/exports/cases.xlsx")))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    reopen = rows[0].index("重办次数 / reopen_count")
    assert all(isinstance(r[reopen], int) for r in rows[1:])


def test_dashboard_export_holds_no_formula(world, poisoned):
    c = Client()
    c.force_login(world.users["leader_city"])
    resp = c.get("/dashboard/export.xlsx")
    assert resp.status_code == 200
    sheets = _no_formula_in(resp.content)
    assert len(sheets) == 8
    cells = _cells(resp.content)
    # the red list holds the texts, the region sheets and top problems the region's name
    for p in PAYLOADS:
        assert "'" + p in cells, p
    assert "'" + PAYLOADS[0] in cells
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    intake = {r[0]: r[1] for r in wb["指标"].iter_rows(min_row=2, values_only=True)}
    assert isinstance(intake["受理量"], int)  # figures stay numbers


def test_plan_xlsx_holds_no_formula(world):
    from visits.conftest import make_cadre, make_subject

    from minqing.insights import figures
    from minqing.visits.plan import make_plan

    for i in range(5):
        make_subject(world, f"ZT{i}", region="430212101201")
    make_cadre(world, "zt1", region="430212101", unit="@SUM(A1)", name="=HYPERLINK(\"http://x\",\"y\")")
    Region.objects.filter(code="430212101201").update(name="-2")
    p = make_plan(figures.make_visit_scope("430212"), load=1, per_visit=10)
    assert p.assignments
    data = p.to_xlsx()
    _no_formula_in(data)
    cells = _cells(data)
    assert "'-2" in cells and "-2" not in cells
    assert any(isinstance(c, str) and c.startswith("'") for c in cells)
    for c in cells:
        assert not (isinstance(c, str) and c.startswith(("=", "+", "-", "@", "\t", "\r"))), c
