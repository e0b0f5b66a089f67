"""The partner API over HTTP: GET /api/v1/partners (scoped, phone masked by role), POST /api/v1/tasks with a
partner, the partner login's task list and completion, summons, meetings and wishes (claim 409)."""

import pytest
from casebuild import to_state

from .conftest import make_partner_world


@pytest.fixture
def papi(api, tworld):
    make_partner_world(tworld)
    return api


def test_partners_list_scoped_and_masked(papi):
    r = papi("disp_zt").get("/partners")
    assert r.status_code == 200, r.text
    rows = {p["code"]: p for p in r.json()["results"]}
    assert set(rows) == {"ZT-WY", "ZT-ZYZ"} and rows["ZT-WY"]["phone"] == "13700001111"
    sup = {p["code"]: p for p in papi("sup_lk").get("/partners").json()["results"]}
    assert sup["ZT-WY"]["phone"] != "13700001111" and sup["ZT-WY"]["contact"] != "刘经理"
    assert {p["code"] for p in papi("disp_yx").get("/partners").json()["results"]} == {"YX-WY"}
    assert {p["code"] for p in papi("liu").get("/partners").json()["results"]} == {"ZT-WY"}
    assert papi("disp_zt").get("/partners", params={"region": "nope"}).status_code == 422
    assert papi().get("/partners").status_code == 401


def test_post_partner(papi):
    body = {"code": "LC-YWH", "name": "龙船村业委会", "kind": "owners", "region_code": "430212102201"}
    assert papi("disp_lk").post("/partners", json=body).status_code == 201
    assert papi("disp_yx").post("/partners", json=body).status_code == 403
    r = papi("disp_lk").post("/partners", json={**body, "kind": "x"})
    assert r.status_code == 422 and r.json()["field"] == "kind"


def test_partner_task_through_the_api(papi, tworld):
    case = to_state(tworld, "in_progress")
    r = papi("water").post("/tasks", json={"title": "物业配合清理水箱", "partner": "ZT-WY", "cases": [case.pk]})
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["partner"] == "ZT-WY" and task["department"] is None
    r = papi("water").post("/tasks", json={"title": "x", "partner": "NOPE", "cases": [case.pk]})
    assert r.status_code == 422 and r.json()["field"] == "partner"
    r = papi("water").post("/tasks", json={"title": "x", "partner": "ZT-WY", "department": "lk-water",
                                           "cases": [case.pk]})
    assert r.status_code == 422
    # the partner's login: its tasks only, the case readable with contact masked, completes the task
    mine = papi("liu").get("/tasks").json()
    assert [t["id"] for t in mine["results"]] == [task["id"]]
    assert papi("zhou").get("/tasks").json()["count"] == 0
    c = papi("liu").get(f"/cases/{case.pk}")
    assert c.status_code == 200 and "13812340000" not in c.text
    assert papi("zhou").get(f"/cases/{case.pk}").status_code == 404
    assert papi("zhou").post(f"/tasks/{task['id']}/complete", json={"outcome": "x"}).status_code == 404
    done = papi("liu").post(f"/tasks/{task['id']}/complete", json={"outcome": "已清洗水箱"})
    assert done.status_code == 200 and done.json()["status"] == "done"


def test_summons_meetings_over_http(papi, tworld):
    case = to_state(tworld, "in_progress")
    r = papi("disp_zt").post(f"/cases/{case.pk}/partner-summons", json={"partner": "ZT-ZYZ", "note": "请志愿队协助"})
    assert r.status_code == 201, r.text
    assert papi("zhou").post(f"/cases/{case.pk}/partner-report", json={"text": "已到场"}).status_code == 200
    assert papi("liu").post(f"/cases/{case.pk}/partner-report", json={"text": "x"}).status_code == 404
    r = papi("water").post(f"/cases/{case.pk}/partner-meetings", json={"minutes": "会商", "partners": ["ZT-WY"]})
    assert r.status_code == 201 and r.json()["partners"] == ["ZT-WY"] and r.json()["departments"] == ["lk-water"]
    r = papi("water").post(f"/cases/{case.pk}/partner-meetings", json={"minutes": "会商", "partners": []})
    assert r.status_code == 422 and r.json()["field"] == "partners"


def test_wishes_over_http(papi):
    r = papi("cadre_zt").post("/wishes", json={"text": "想要一台收音机", "region": "430212101201",
                                               "reporter_name": "王奶奶", "reporter_phone": "13811112222"})
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    assert papi("liu").get("/wishes", params={"status": "open"}).json()["count"] == 1
    assert papi("yxwy").get("/wishes").json()["count"] == 0
    assert papi("liu").post(f"/wishes/{wid}/claim", json={}).status_code == 200
    lost = papi("zhou").post(f"/wishes/{wid}/claim", json={})
    assert lost.status_code == 409 and lost.json()["code"] == "already_claimed"
    r = papi("liu").post(f"/wishes/{wid}/fulfil", json={"outcome": "已送到"})
    assert r.status_code == 200 and r.json()["status"] == "fulfilled"
    f = papi("disp_lk").get("/partners/figures").json()
    assert f["wishes"]["total"]["fulfilled"] == 1 and f["partners"] == 2
    assert papi("disp_yx").get("/partners/figures", params={"region": "430212"}).status_code == 403
    assert papi("liu").get("/wishes", params={"status": "bogus"}).status_code == 422
    assert papi("liu").post("/wishes/99999999/claim", json={}).status_code == 404
