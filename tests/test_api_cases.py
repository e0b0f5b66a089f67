"""The JSON API over real HTTP (live server + httpx): register, list with filters
and pagination, detail with events, every transition endpoint, refused
transitions (409), scope (403/404), authentication (401), bad input (422 with
the field), masking of the reporter's contact by role, the OpenAPI document."""

import datetime as dt

import httpx
import pytest

from minqing.cases.models import Case, Event

CONTACT = {"reporter_name": "张三", "reporter_phone": "13812340000"}


def new_case(api, who="disp_zt", **kw):
    body = {"text": "朱亭村自来水停了三天", "channel": "hotline", "kind": "complaint", "category": "water_supply",
            "region": "430212101201", **CONTACT, **kw}
    r = api(who).post("/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def act(api, who, case_id, action, body=None, status=200):
    r = api(who).post(f"/cases/{case_id}/{action}", json=body if body is not None else {})
    assert r.status_code == status, (action, r.status_code, r.text)
    return r.json()


def test_register_answers_201_with_the_case(api):
    c = new_case(api)
    assert c["state"] == "registered" and c["tracking_code"].startswith("MQ") and isinstance(c["id"], int)
    assert c["channel"] == "hotline" and c["category"] == "water_supply" and c["region"] == "430212101201"
    assert c["reporter_name"] == "张三" and c["reporter_phone"] == "13812340000"
    detail = api("disp_zt").get(f"/cases/{c['id']}").json()
    assert [(e["action"], e["from_state"], e["to_state"], e["actor"]) for e in detail["events"]] == [
        ("register", None, "registered", "disp_zt")
    ]
    assert detail["events"][0]["at"] and "note" in detail["events"][0]


def test_without_a_token_401(api, live_server):
    anon = api(None)
    for r in (anon.get("/cases"), anon.post("/cases", json={"text": "x"}), anon.get("/stats"),
              httpx.get(live_server.url + "/api/v1/cases", headers={"Authorization": "Bearer wrong"})):
        assert r.status_code == 401, r.text
        assert r.json()["code"] == "unauthorized"


BAD_REGISTRATIONS = [
    ({"text": None}, "text"),
    ({"channel": "pigeon"}, "channel"),
    ({"kind": "rant"}, "kind"),
    ({"region": "000"}, "region"),
    ({"category": "nope"}, "category"),
    ({"reporter_phone": "abc"}, "reporter_phone"),
    ({"lat": "north"}, "lat"),
    ({"anonymous": "perhaps"}, "anonymous"),
]


def test_bad_input_is_422_naming_the_field(api):
    for change, field in BAD_REGISTRATIONS:
        body = {"text": "路灯坏了", "channel": "web", "kind": "complaint", **change}
        body = {k: v for k, v in body.items() if v is not None}
        r = api("disp_zt").post("/cases", json=body)
        assert r.status_code == 422, (change, r.text)
        assert r.json()["field"] == field and r.json()["code"] == "invalid" and r.json()["message"]
    assert Case.objects.count() == 0
    c = new_case(api)
    act(api, "disp_zt", c["id"], "assign", {"department": "lk-water"})
    act(api, "water", c["id"], "accept")
    for body, field in (({"deadline": "2025-02-30", "reason": "x"}, "deadline"),
                        ({"deadline": "soon", "reason": "x"}, "deadline"),
                        ({"reason": "x"}, "deadline")):
        r = api("water").post(f"/cases/{c['id']}/extend", json=body)
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    act(api, "water", c["id"], "handle", {"result": "已修复", "disposition": "solved"})
    for body, field in (({"rating": "satisfied", "score": 11}, "score"),
                        ({"rating": "satisfied", "score": 0}, "score"),
                        ({"rating": "great"}, "rating"),
                        ({}, "rating")):
        r = api("rv_lk").post(f"/cases/{c['id']}/visit_back", json=body)
        assert r.status_code == 422 and r.json()["field"] == field, (body, r.text)
    assert Case.objects.get(pk=c["id"]).state == "handled"


def test_malformed_requests_are_never_500(api):
    c = new_case(api)
    client = api("disp_zt")
    responses = [
        client.post("/cases", content=b"{not json", headers={"Content-Type": "application/json"}),
        client.post("/cases", content="[1, 2]", headers={"Content-Type": "application/json"}),
        client.get("/cases/abc"),
        client.get("/cases/99999999999999999999999"),
        client.get("/cases/9223372036854775807"),
        client.post(f"/cases/{c['id']}/frobnicate", json={}),
        client.post(f"/cases/{c['id']}/assign", content=b"\xff\xfe", headers={"Content-Type": "application/json"}),
        client.post(f"/cases/{c['id']}/merge", json={"into": "abc"}),
        client.post(f"/cases/{c['id']}/merge", json={"into": 99999999999999999999}),
        client.get("/cases", params={"page": "x"}),
        client.get("/cases", params={"page": 0}),
        client.get("/cases", params={"page_size": 100000}),
        client.get("/cases", params={"from": "2025-02-30"}),
        client.get("/cases", params={"region": "nowhere"}),
        client.get("/stats", params={"from": "yesterday"}),
        # NUL characters: PostgreSQL refuses them in text; they are bad input, never a 500
        client.post("/cases", json={"text": "停水\u0000", "channel": "web", "kind": "complaint"}),
        client.post("/cases", json={"text": "停水", "channel": "web", "kind": "complaint", "category": "water\u0000"}),
        client.post("/cases", json={"text": "停水", "channel": "web", "kind": "complaint", "region": "43\u0000"}),
        client.post("/cases", json={"text": "停水", "channel": "web\u0000", "kind": "complaint"}),
        client.post("/cases", json={"text": "停水", "channel": "web", "kind": "complaint", "address": "路\u0000"}),
        client.post(f"/cases/{c['id']}/assign", json={"department": "lk-water\u0000"}),
        client.post(f"/cases/{c['id']}/escalate", json={"note": "上报\u0000"}),
        client.get("/cases", params={"q": "水\x00"}),
        client.get("/cases", params={"region": "43\x00"}),
        client.get("/stats", params={"region": "43\x00"}),
        client.get("/regions", params={"q": "朱\x00"}),
        client.get("/regions/43%00"),
        client.get("/departments", params={"category": "w\x00"}),
        client.get("/tasks", params={"department": "w\x00"}),
    ]
    for r in responses:
        assert r.status_code < 500, (r.request.url, r.status_code, r.text)
        assert r.status_code in (400, 404, 405, 409, 422), (r.request.url, r.status_code, r.text)
        assert "code" in r.json() and "message" in r.json()


def test_list_alert_filter_is_the_level_the_answer_shows(api, tworld):
    """An open case's level is live from its deadline (no sweep needed); a case that left the
    open states keeps the level it had; an unknown level is 422 naming the field."""
    late, fresh, done = (new_case(api, text=f"第{i}件")["id"] for i in range(3))
    for cid in (late, fresh, done):
        act(api, "disp_zt", cid, "assign", {"department": "lk-water"})
    Case.objects.filter(pk=late).update(deadline=dt.date.today() - dt.timedelta(days=3), alert_level="green")
    Case.objects.filter(pk=done).update(state="closed", alert_level="red",
                                        deadline=dt.date.today() + dt.timedelta(days=30))
    client = api("admin")
    red = client.get("/cases", params={"alert_level": "red"}).json()
    assert sorted(c["id"] for c in red["results"]) == sorted([late, done])
    assert all(c["alert_level"] == "red" for c in red["results"])
    assert [c["id"] for c in client.get("/cases", params={"alert_level": "green"}).json()["results"]] == [fresh]
    bad = client.get("/cases", params={"alert_level": "purple"})
    assert bad.status_code == 422 and bad.json()["field"] == "alert_level"


def test_list_with_filters_and_pagination(api, tworld):
    ids = [new_case(api, channel=ch, text=f"第{i}件 {ch}")["id"]
           for i, ch in enumerate(["hotline", "web", "web", "petition", "web"])]
    other = new_case(api, who="disp_yx", region="430223100001", text="攸县城东社区路灯不亮", category="other")
    client = api("admin")
    page1 = client.get("/cases", params={"page_size": 2}).json()
    assert page1["count"] == 6 and len(page1["results"]) == 2 and page1["page"] == 1
    page3 = client.get("/cases", params={"page_size": 2, "page": 3}).json()
    assert len(page3["results"]) == 2
    seen = [c["id"] for p in (1, 2, 3) for c in client.get("/cases", params={"page_size": 2, "page": p}).json()["results"]]
    assert sorted(seen) == sorted(ids + [other["id"]])
    assert client.get("/cases", params={"channel": "web"}).json()["count"] == 3
    assert client.get("/cases", params={"region": "430223"}).json()["count"] == 1
    assert client.get("/cases", params={"region": "430212101"}).json()["count"] == 5
    act(api, "disp_zt", ids[0], "assign", {"department": "lk-water", "co_departments": ["lk-housing"]})
    assert [c["id"] for c in client.get("/cases", params={"state": "assigned"}).json()["results"]] == [ids[0]]
    assert client.get("/cases", params={"state": "assigned,registered"}).json()["count"] == 6
    assert client.get("/cases", params={"department": "lk-housing"}).json()["count"] == 1
    assert client.get("/cases", params={"q": "攸县"}).json()["count"] == 1
    # the full-text index: traditional characters, every word, the tracking code as before
    assert [c["id"] for c in client.get("/cases", params={"q": "路燈 城东"}).json()["results"]] == [other["id"]]
    assert client.get("/cases", params={"q": "路灯 第1件"}).json()["count"] == 0
    assert client.get("/cases", params={"q": other["tracking_code"].lower()}).json()["count"] == 1
    bad = client.get("/cases", params={"q": "，，"})
    assert bad.status_code == 422 and bad.json()["field"] == "q"
    tc = other["tracking_code"]
    assert client.get("/cases", params={"tracking_code": tc}).json()["results"][0]["id"] == other["id"]
    today = dt.date.today()
    assert client.get("/cases", params={"from": today.isoformat(), "to": today.isoformat()}).json()["count"] == 6
    assert client.get("/cases", params={"to": (today - dt.timedelta(days=1)).isoformat()}).json()["count"] == 0
    # scoping of the list: a township dispatcher sees its township, a handler its department's cases
    assert api("disp_zt").get("/cases").json()["count"] == 5
    assert api("disp_yx").get("/cases").json()["count"] == 1
    assert [c["id"] for c in api("water").get("/cases").json()["results"]] == [ids[0]]
    assert [c["id"] for c in api("housing").get("/cases").json()["results"]] == [ids[0]]
    assert api("roads").get("/cases").json()["count"] == 0


def test_every_transition_endpoint(api, tworld):
    c = new_case(api)
    cid = c["id"]
    d = act(api, "disp_zt", cid, "assign", {"department": "lk-water", "co_departments": ["lk-roads"],
                                            "mode": "joint"})
    assert d["state"] == "assigned" and d["lead_department"] == "lk-water" and d["co_departments"] == ["lk-roads"]
    assert d["mode"] == "joint" and d["deadline"] and d["alert_level"] in ("green", "yellow", "red")
    d = act(api, "disp_zt", cid, "whistle", {"departments": ["lk-housing", "zt-office"]})
    assert {(s["department"], s["reported"]) for s in d["summons"]} == {("lk-housing", False), ("zt-office", False)}
    d = act(api, "housing", cid, "report", {"text": "已到场"})
    assert {(s["department"], s["reported"]) for s in d["summons"]} == {("lk-housing", True), ("zt-office", False)}
    d = act(api, "water", cid, "accept")
    assert d["state"] == "in_progress"
    d = act(api, "water", cid, "meet", {"minutes": "与交通局会办", "departments": ["lk-roads"]})
    assert d["meetings"][0]["minutes"] == "与交通局会办"
    d = act(api, "sup_lk", cid, "supervise", {"note": "请三日内办结"})
    assert d["supervision_orders"][0]["note"] == "请三日内办结"
    new_deadline = (dt.date.fromisoformat(d["deadline"]) + dt.timedelta(days=15)).isoformat()
    d = act(api, "water", cid, "extend", {"deadline": new_deadline, "reason": "需更换管道"})
    assert d["extension_requests"][0]["status"] == "pending"
    d = act(api, "disp_zt", cid, "approve_extension", {"approved": True})
    assert d["deadline"] == new_deadline
    d = act(api, "disp_zt", cid, "escalate", {"note": "区级统筹"})
    assert d["owner_region"] == "430212" and d["mode"] == "coordinated"
    d = act(api, "water", cid, "handle", {"result": "已更换管道", "disposition": "solved"})
    assert d["state"] == "handled" and d["disposition"] == "solved"
    d = act(api, "rv_lk", cid, "visit_back", {"rating": "unsatisfied", "score": 4, "note": "水压还是低"})
    assert d["state"] == "reopened" and d["reopen_count"] == 1
    act(api, "water", cid, "accept")
    act(api, "water", cid, "handle", {"result": "加装增压泵", "disposition": "solved"})
    for _ in range(3):
        d = act(api, "rv_lk", cid, "visit_back", {"reached": False, "note": "无人接听"})
    assert d["state"] == "handled" and len(d["return_visits"]) == 4
    d = act(api, "rv_lk", cid, "close_by_rule", {"rule": "unreachable"})
    assert d["state"] == "closed" and d["close_rule"] == "unreachable" and d["effect"]["rule"] == "unreachable"
    d = act(api, "disp_lk", cid, "reopen", {"reason": "群众来电仍未解决"})
    assert d["state"] == "reopened"
    act(api, "water", cid, "accept")
    act(api, "water", cid, "handle", {"result": "彻底修复", "disposition": "solved"})
    d = act(api, "rv_lk", cid, "visit_back", {"rating": "satisfied", "score": 10})
    assert d["state"] == "closed" and d["rating"] == "satisfied" and d["score"] == 10
    assert d["effect"]["what_was_done"] == "彻底修复"
    actions_seen = [e["action"] for e in d["events"]]
    assert actions_seen[:10] == ["register", "assign", "whistle", "report", "accept", "meet", "supervise", "extend",
                                 "approve_extension", "escalate"]
    # the remaining endpoints on fresh cases: return, merge, invalidate
    c2 = new_case(api)["id"]
    act(api, "disp_zt", c2, "assign", {"department": "lk-roads"})
    d = act(api, "roads", c2, "return", {"reason": "非本部门职责"})
    assert d["state"] == "registered" and d["lead_department"] is None
    c3 = new_case(api)["id"]
    assert act(api, "disp_zt", c3, "merge", {"into": c2})["state"] == "merged"
    c4 = new_case(api)["id"]
    assert act(api, "disp_zt", c4, "invalidate", {"reason": "测试数据"})["state"] == "invalid"


def test_refused_transition_is_409_and_changes_nothing(api):
    c = new_case(api)
    events = Event.objects.count()
    r = api("disp_zt").post(f"/cases/{c['id']}/handle", json={"result": "x", "disposition": "solved"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition" and r.json()["message"]
    r = api("disp_zt").post(f"/cases/{c['id']}/visit_back", json={"rating": "satisfied"})
    assert r.status_code == 409
    assert Event.objects.count() == events and Case.objects.get(pk=c["id"]).version == 0


def test_scope_violations_403_and_404(api):
    c = new_case(api)
    act(api, "disp_zt", c["id"], "assign", {"department": "lk-water"})
    # another department cannot even learn that the case exists
    for r in (api("roads").get(f"/cases/{c['id']}"), api("roads").post(f"/cases/{c['id']}/accept", json={}),
              api("yxwater").get(f"/cases/{c['id']}"), api("disp_yx").post(f"/cases/{c['id']}/merge", json={"into": 1}),
              api("leader_yx").get(f"/cases/{c['id']}")):
        assert r.status_code == 404, r.text
        assert r.json()["code"] == "not_found"
    # visible but not theirs to act on
    for who, action, body in (("leader_city", "accept", {}), ("sup_lk", "accept", {}),
                              ("rv_lk", "return", {"reason": "x"}), ("disp_lk", "accept", {})):
        r = api(who).post(f"/cases/{c['id']}/{action}", json=body)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", (who, r.text)
    assert Case.objects.get(pk=c["id"]).state == "assigned"


@pytest.mark.parametrize("who,full", [
    ("disp_zt", True), ("disp_lk", True), ("water", True), ("rv_lk", True),
    ("leader_city", False), ("sup_lk", False), ("housing", False), ("cadre_zt", False),
])
def test_reporter_contact_masked_by_role(api, who, full):
    c = new_case(api)
    act(api, "disp_zt", c["id"], "assign", {"department": "lk-water", "co_departments": ["lk-housing"]})
    detail = api(who).get(f"/cases/{c['id']}").json()
    listed = [x for x in api(who).get("/cases").json()["results"] if x["id"] == c["id"]][0]
    for view in (detail, listed):
        if full:
            assert (view["reporter_name"], view["reporter_phone"]) == ("张三", "13812340000")
        else:
            assert (view["reporter_name"], view["reporter_phone"]) == ("张*", "138****0000")


def test_openapi_document_is_valid(api, live_server):
    from openapi_spec_validator import validate

    r = httpx.get(live_server.url + "/api/v1/openapi.json", timeout=60)  # building the document takes seconds on a loaded machine
    assert r.status_code == 200
    doc = r.json()
    validate(doc)
    paths = doc["paths"]
    for p in ("/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/accept",
              "/api/v1/cases/{case_id}/visit_back", "/api/v1/stats", "/api/v1/stats/departments",
              "/api/v1/tasks", "/api/v1/effects", "/api/v1/regions", "/api/v1/departments"):
        assert p in paths, p


def test_progress_endpoint(api, live_server):
    """POST /cases/{id}/progress: the lead or a co-department records a note; the state stays."""
    c = new_case(api)
    cid = c["id"]
    act(api, "disp_zt", cid, "assign", {"department": "lk-water", "co_departments": ["lk-housing"]})
    # not accepted yet: refused with 409, nothing recorded
    r = api("water").post(f"/cases/{cid}/progress", json={"note": "已到现场"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition", r.text
    d = act(api, "water", cid, "accept")
    assert "progress" in d["available_actions"]
    version = d["version"]
    d = act(api, "water", cid, "progress", {"note": "  已到现场勘查  "})
    assert d["state"] == "in_progress" and d["version"] == version + 1
    last = d["events"][-1]
    assert (last["action"], last["note"], last["public"], last["data"]["department"]) == \
        ("progress", "已到现场勘查", False, "lk-water")
    d = act(api, "housing", cid, "progress", {"note": "协调物业停水检修", "public": True})
    last = d["events"][-1]
    assert (last["public"], last["data"]["department"], last["actor"]) == (True, "lk-housing", "housing")
    # bad input: 422 naming the field, nothing recorded
    events = Event.objects.filter(case_id=cid).count()
    for body, field in (({}, "note"), ({"note": "  "}, "note"), ({"note": "x" * 2001}, "note"),
                        ({"note": "进展", "public": "perhaps"}, "public"), ({"note": "停水\u0000"}, "note")):
        r = api("water").post(f"/cases/{cid}/progress", json=body)
        assert r.status_code == 422 and r.json()["field"] == field and r.json()["code"] == "invalid", (body, r.text)
    # scope: another department cannot see the case (404); visible but not theirs (403)
    r = api("roads").post(f"/cases/{cid}/progress", json={"note": "进展"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    for who in ("disp_zt", "sup_lk", "rv_lk"):
        r = api(who).post(f"/cases/{cid}/progress", json={"note": "进展"})
        assert r.status_code == 403 and r.json()["code"] == "forbidden", (who, r.text)
    assert Event.objects.filter(case_id=cid).count() == events
    doc = httpx.get(live_server.url + "/api/v1/openapi.json", timeout=60).json()
    op = doc["paths"]["/api/v1/cases/{case_id}/progress"]["post"]
    assert op["operationId"] == "case_progress"
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    ref = schema["$ref"].rsplit("/", 1)[-1]
    assert doc["components"]["schemas"][ref]["required"] == ["note"]
    assert set(doc["components"]["schemas"][ref]["properties"]) == {"note", "public"}
