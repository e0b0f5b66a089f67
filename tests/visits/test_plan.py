"""The deployment plan: a real optimiser that respects home region and load, explains itself."""

import datetime as dt
import io

import openpyxl
import pytest

from minqing.cases import actions as case_actions
from minqing.insights import figures
from minqing.people.scoping import Actor
from minqing.regions.models import Region
from minqing.visits import actions
from minqing.visits.plan import PlanError, make_plan

from .conftest import make_cadre, make_subject


@pytest.fixture
def county(vworld):
    """渌口区 with 3 villages: 朱亭村 (30 households, 6 open cases, 2 red), 龙船村 (10 households, none),
    and a new 朱亭镇 village 大塘村 (4 households, all visited this quarter)."""
    w = vworld
    dt_village = Region.objects.create(code="430212101202", name="大塘村", level="village",
                                       parent=w.regions["430212101"])
    for i in range(30):
        make_subject(w, f"ZT{i}", region="430212101201")
    for i in range(10):
        make_subject(w, f"LC{i}", region="430212102201")
    for i in range(4):
        make_subject(w, f"DT{i}", region="430212101202")
    make_cadre(w, "zt1", region="430212101", rank="section")
    make_cadre(w, "zt2", region="430212101", rank="staff")
    make_cadre(w, "lc1", region="430212102")
    make_cadre(w, "dt1", region="430212101202")   # home is 大塘村 itself
    make_cadre(w, "lk1", region="430212", rank="division")
    sys = Actor.system()
    today = dt.date.today()
    for i in range(4):
        actions.record_visit(sys, cadre="dt1", subjects=[f"DT{i}"], date=today, method="door")
    for i in range(6):
        c = case_actions.register(sys, text=f"问题{i}", channel="hotline", kind="complaint", region="430212101201")
        if i < 2:
            type(c).objects.filter(pk=c.pk).update(state="assigned", alert_level="red",
                                                   deadline=today - dt.timedelta(days=5))  # overdue: red
    w.dt_village = dt_village
    return w


def plan(region="430212", load=1, per_visit=10, **kw):
    scope = figures.make_visit_scope(region)
    return make_plan(scope, load=load, per_visit=per_visit, **kw)


def test_plan_sends_cadres_where_the_need_is(county):
    p = plan(load=1, per_visit=10)
    got = {a.cadre.username: a.place.region.code for a in p.assignments}
    # 朱亭村 needs 30 + 2 red = 32 → 4 slots; 龙船村 10 → 1 slot; 大塘村 nothing
    assert got["lc1"] == "430212102201"          # lc1 can only reach 龙船村
    assert "dt1" not in got                        # 大塘村 is covered: its only cadre stays home
    assert got["zt1"] == got["zt2"] == got["lk1"] == "430212101201"
    s = p.summary()
    assert s["subjects"] == 44 and s["visited"] == 4
    assert s["expected_new_subjects"] == 10 + 30
    assert s["coverage_expected"] == 1.0
    # the baseline sends lk1 to its nearest place (大塘村 comes first by code? no: 朱亭村 201 < 202) and dt1 home
    assert s["share_of_gap_met"] >= s["baseline_nearest"]["share_of_gap_met"]


def test_explanations_and_dict(county):
    d = plan().as_dict()
    a = next(x for x in d["assignments"] if x["cadre"] == "lc1")
    assert "龙船村" in a["explanation"] and "未覆盖 10/10" in a["explanation"]
    assert "10 of 10 not visited" in a["explanation_en"]
    assert d["unassigned_cadres"] == ["dt1"]
    zt = next(p for p in d["places"] if p["region"] == "430212101201")
    assert (zt["open"], zt["red"], zt["uncovered"]) == (6, 2, 30)
    assert zt["factor"] == round(1 + 10 * 6 / 30 + 20 * 2 / 30, 3)


@pytest.mark.parametrize("load", [1, 2, 3])
def test_never_exceeds_load_nor_leaves_home(county, load):
    for i in range(8):
        make_cadre(county, f"extra{i}", region="430212101")
    p = plan(load=load, per_visit=3)
    per_cadre = {}
    for a in p.assignments:
        per_cadre[a.cadre.username] = per_cadre.get(a.cadre.username, 0) + 1
        assert a.place.region.path.startswith(a.cadre.home.path)
        assert a.met > 0
    assert max(per_cadre.values()) <= load
    pairs = [(a.cadre.username, a.place.region.code) for a in p.assignments]
    assert len(pairs) == len(set(pairs))           # a cadre goes to a place once


def test_easy_places_not_crowded(county):
    # plenty of cadres at 朱亭镇: 朱亭村 gets exactly the 4 slots it needs, 大塘村 none
    for i in range(8):
        make_cadre(county, f"extra{i}", region="430212101")
    p = plan(load=1, per_visit=10)
    at = [a.place.region.code for a in p.assignments]
    assert at.count("430212101201") == 4 and "430212101202" not in at


def test_xlsx_export(county):
    p = plan()
    assert len(p.assignments) == 5  # lc1; zt1, zt2, lk1 and the world's cadre_zt at 朱亭村
    data = p.to_xlsx()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["部署方案 plan", "村情 places", "汇总 summary"]
    rows = list(wb["部署方案 plan"].iter_rows(values_only=True))
    assert rows[0][0] == "干部 cadre" and len(rows) == 1 + 5


def test_refused_input(county):
    with pytest.raises(PlanError):
        plan(load=0)
    with pytest.raises(PlanError) as e:
        make_plan(figures.make_visit_scope(None))
    assert e.value.field == "region"
