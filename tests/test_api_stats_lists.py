"""/api/v1/stats (from/to/region/department and its scoping), the department
ranking, and the task and effect lists over real HTTP."""

import datetime as dt

import httpx
import pytest
from casebuild import register
from django.utils import timezone

from minqing.cases import actions


@pytest.fixture
def get(tworld, live_server):
    def call(who, path, **params):
        headers = {"Authorization": f"Bearer {tworld.tokens[who]}"}
        return httpx.get(live_server.url + "/api/v1" + path, params=params, headers=headers, timeout=30)
    return call


@pytest.fixture
def post(tworld, live_server):
    def call(who, path, body):
        headers = {"Authorization": f"Bearer {tworld.tokens[who]}"}
        return httpx.post(live_server.url + "/api/v1" + path, json=body, headers=headers, timeout=30)
    return call


def _closed(world, region="430212101201", dept="lk-water", rating="satisfied", score=9, at=None, **kw):
    disp = world.actor("disp_zt" if region.startswith("430212101") else "disp_lk" if region.startswith("430212")
                       else "disp_yx")
    handler = world.actor({"lk-water": "water", "lk-roads": "roads", "yx-water": "yxwater"}[dept])
    case = register(world, region=region, at=at, **kw)
    actions.assign(disp, case, department=dept, at=at)
    actions.accept(handler, case, at=at)
    actions.handle(handler, case, result="已办", disposition="solved", at=at)
    actions.visit_back(world.actor("admin"), case, rating=rating, score=score, at=at)
    return case


@pytest.fixture
def figures_world(tworld):
    w = tworld
    long_ago = timezone.now() - dt.timedelta(days=40)
    _closed(w)  # 朱亭镇, lk-water, satisfied 9
    _closed(w, region="430212102201", dept="lk-roads", rating="unsatisfied", score=3)  # 龙船镇, reopened
    _closed(w, region="430223100001", dept="yx-water", score=7)  # 攸县
    _closed(w, at=long_ago, score=10)  # 40 days ago, 朱亭镇
    register(w)  # only registered
    return w


def test_stats_figures_with_filters(figures_world, get):
    all_ = get("admin", "/stats").json()
    assert all_["intake"] == 5 and all_["counts"]["closed"] == 3 and all_["counts"]["reopened"] == 1
    assert all_["satisfaction_rate"] == 0.75 and all_["mean_score"] == 7.25
    for key in ("intake", "response_rate", "completion_rate", "on_time_rate", "resolution_rate",
                "satisfaction_rate", "mean_score", "reopen_rate", "counts"):
        assert key in all_
    zt = get("admin", "/stats", region="430212101").json()
    assert zt["intake"] == 3 and zt["resolution_rate"] == round(2 / 3, 4)
    recent = get("admin", "/stats", **{"from": (dt.date.today() - dt.timedelta(days=7)).isoformat()}).json()
    assert recent["intake"] == 4
    old = get("admin", "/stats", to=(dt.date.today() - dt.timedelta(days=30)).isoformat()).json()
    assert old["intake"] == 1 and old["mean_score"] == 10.0
    roads = get("admin", "/stats", department="lk-roads").json()
    assert roads["intake"] == 1 and roads["reopen_rate"] == 1.0 and roads["satisfaction_rate"] == 0.0
    assert get("admin", "/stats", region="nowhere").status_code == 422
    assert get("admin", "/stats", department="nope").json()["field"] == "department"
    bad = get("admin", "/stats", **{"from": "2025-05-02", "to": "2025-05-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "from"


def test_stats_scoping(figures_world, get):
    # a region-scoped caller gets their own region by default, and nothing outside it
    assert get("leader_city", "/stats").json()["scope"]["region"] == "430200"
    assert get("leader_city", "/stats").json()["intake"] == 5
    assert get("disp_zt", "/stats").json()["intake"] == 3
    assert get("leader_yx", "/stats").json()["intake"] == 1
    for who, params in (("leader_yx", {"region": "430212"}), ("disp_zt", {"region": "430212"}),
                        ("leader_city", {"region": "430000"}), ("water", {"department": "lk-roads"})):
        r = get(who, "/stats", **params)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", (who, params, r.text)
    # a handler sees its own department's figures
    w = get("water", "/stats").json()
    assert w["scope"]["department"] == "lk-water" and w["intake"] == 2
    # asking for another region keeps the department: nothing of other departments leaks
    other = get("water", "/stats", region="430223").json()
    assert other["scope"]["department"] == "lk-water" and other["intake"] == 0


def test_department_ranking(figures_world, get):
    r = get("admin", "/stats/departments", order_by="satisfaction_rate").json()
    ranks = [(x["rank"], x["department"], x["satisfaction_rate"]) for x in r["results"]]
    assert ranks == [(1, "lk-water", 1.0), (2, "yx-water", 1.0), (3, "lk-roads", 0.0)]
    assert get("admin", "/stats/departments", order_by="bogus").status_code == 422
    county = get("leader_yx", "/stats/departments").json()["results"]
    assert [x["department"] for x in county] == ["yx-water"]


def test_tasks_and_effects(figures_world, get, post):
    w = figures_world
    case = register(w)
    actions.assign(w.actor("disp_zt"), case, department="lk-water")
    actions.accept(w.actor("water"), case)
    r = post("water", "/tasks", {"title": "更换主管道", "department": "lk-water", "cases": [case.pk], "due": "2099-01-01"})
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["status"] == "open" and task["cases"] == [case.pk] and task["due"] == "2099-01-01"
    assert post("water", "/tasks", {"title": "x", "department": "lk-water", "cases": [987654]}).json()["field"] == "cases"
    assert post("water", "/tasks", {"title": "x", "department": "lk-water", "cases": []}).status_code == 422
    assert get("water", "/tasks", status="open").json()["count"] == 1
    assert get("roads", "/tasks").json()["count"] == 0
    assert get("water", "/tasks", status="bogus").status_code == 422
    assert post("roads", f"/tasks/{task['id']}/complete", {"outcome": "x"}).status_code == 404
    actions.handle(w.actor("water"), case, result="已更换", disposition="solved")
    r = post("rv_lk", f"/cases/{case.pk}/visit_back", {"rating": "satisfied", "score": 9})
    assert r.status_code == 409 and r.json()["code"] == "open_tasks"
    r = post("water", f"/tasks/{task['id']}/complete", {"outcome": "已完成"})
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert post("water", f"/tasks/{task['id']}/complete", {"outcome": "again"}).status_code == 409
    assert post("rv_lk", f"/cases/{case.pk}/visit_back", {"rating": "satisfied", "score": 9}).status_code == 200
    effects = get("admin", "/effects").json()
    assert effects["count"] == 4
    assert {e["case"] for e in effects["results"]} >= {case.pk}
    mine = [e for e in effects["results"] if e["case"] == case.pk][0]
    assert mine["rule"] == "satisfied" and mine["what_was_done"] == "已更换" and mine["score"] == 9
    assert get("leader_yx", "/effects").json()["count"] == 1
    page = get("rv_lk", "/effects", page_size=1).json()
    assert page["count"] == 3 and len(page["results"]) == 1
