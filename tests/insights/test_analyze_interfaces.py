"""POST /api/v1/insights/analyze, `minqing analyze`, `minqing insights evaluate`, routing."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minqing.cases.models import Category
from minqing.insights.models import RoutingRule
from minqing.insights.routing import suggest_departments

from .conftest import call, register


def test_analyze_api_shape(world):
    r = call(world, "disp_zt", "post", "/api/v1/insights/analyze", {"text": "渌口區朱亭村自來水停了三天"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["text_simplified"] == "渌口区朱亭村自来水停了三天"
    assert {k: body["place"][k] for k in ("code", "name", "level")} == {
        "code": "430212101201", "name": "朱亭村", "level": "village"}
    assert body["categories"][0]["code"] == "water_supply" and 0 < body["categories"][0]["score"] <= 1
    assert body["departments"][0]["code"] == "lk-water" and body["departments"][0]["reason"]
    assert body["duplicates"] == []


def test_analyze_api_errors(world):
    r = call(world, "disp_zt", "post", "/api/v1/insights/analyze", {"text": "  "})
    assert r.status_code == 422 and r.json()["field"] == "text"
    r = call(world, "disp_zt", "post", "/api/v1/insights/analyze", {"text": "停水", "region": "nowhere"})
    assert r.status_code == 422 and r.json()["field"] == "region"
    r = call(world, "disp_zt", "post", "/api/v1/insights/analyze", {})
    assert r.status_code == 422 and r.json()["field"] == "text"
    assert call(world, None, "post", "/api/v1/insights/analyze", {"text": "停水"}).status_code == 401


def test_analyze_duplicates_only_in_scope(world):
    case = register(world, "城东社区停水三天了一点通知都没有", actor="disp_yx", region="430223100001")
    text = {"text": "攸县城东社区停水三天了，一点通知都没有"}
    r = call(world, "disp_yx", "post", "/api/v1/insights/analyze", text)
    assert [d["case_id"] for d in r.json()["duplicates"]] == [case.pk]
    r = call(world, "disp_zt", "post", "/api/v1/insights/analyze", text)
    assert r.json()["duplicates"] == []


def test_analyze_command_json(world):
    out = io.StringIO()
    call_command("analyze", "株洲县朱亭镇路灯坏了", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["place"]["code"] == "430212101" and body["categories"][0]["code"] == "municipal_facilities"
    assert set(body) >= {"text_simplified", "place", "categories", "departments", "duplicates"}
    with pytest.raises(CommandError):
        call_command("analyze", " ", "--json", stdout=io.StringIO())


def test_evaluate_command(world, tmp_path):
    path = tmp_path / "eval.csv"
    path.write_text(
        "text,category,place_code\n"
        "渌口区朱亭村停水三天,water_supply,430212101201\n"
        "朱亭镇路灯坏了,municipal_facilities,430212101\n"
        "有人冒充公检法打电话诈骗,public_security,\n"
        "攸县城东社区垃圾没人清运,environment,430223100001\n", encoding="utf-8")
    out = io.StringIO()
    call_command("insights", "evaluate", str(path), "--json", stdout=out)
    rep = json.loads(out.getvalue())
    assert rep["category"]["n"] == 4 and rep["category"]["top1"] == 1.0 and rep["category"]["macro_f1"] == 1.0
    assert rep["place"]["county"] == {"n": 3, "accuracy": 1.0}
    assert rep["place"]["township"] == {"n": 3, "accuracy": 1.0}
    assert rep["place"]["village"] == {"n": 2, "accuracy": 1.0}
    out = io.StringIO()
    call_command("insights", "evaluate", str(path), stdout=out)
    assert "top-1" in out.getvalue() and "macro-F1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("insights", "evaluate", str(tmp_path / "missing.csv"))


def test_routing_table_history_and_reasons(world):
    from minqing.cases import actions

    water = Category.objects.get(code="water_supply")
    village = world.regions["430212101201"]
    base = suggest_departments(water, village)
    assert base[0]["code"] == "lk-water" and set(base[0]) == {"code", "name", "score", "reason"}
    # history: the township office has led such cases here before
    disp = world.actor("disp_zt")
    for _ in range(3):
        c = register(world, "停水", region="430212101201", category="water_supply")
        actions.assign(disp, c, department="zt-office")
    hist = {d["code"]: d for d in suggest_departments(water, village)}
    assert "zt-office" in hist and "历史" in hist["zt-office"]["reason"]
    # the routing table wins
    RoutingRule.objects.create(category=water, region=world.regions["430212101"],
                               department=world.departments["zt-office"], note="乡镇供水站")
    top = suggest_departments(water, village)[0]
    assert top["code"] == "zt-office" and "路由表" in top["reason"]
    assert suggest_departments(None, village) == []
