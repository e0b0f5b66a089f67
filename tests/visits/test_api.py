"""The visit API: POST /api/v1/visits, /subjects, /pairings, /coverage, /plan."""

import datetime as dt

import pytest
from django.test import Client

from minqing.cases.models import Case

from .conftest import make_cadre, make_subject


def call(world, user, method, url, json=None):
    c = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[user]}"} if user else {}
    if method == "get":
        return c.get(url, **headers)
    return getattr(c, method)(url, data=json, content_type="application/json", **headers)


@pytest.fixture
def aw(vworld):
    make_cadre(vworld, "li", rank="section")
    make_subject(vworld, "H1", phone="13812345678", tags=["低保户"])
    make_subject(vworld, "H2")
    make_subject(vworld, "Y1", region="430223100001")
    return vworld


def test_post_visit_returns_cases(aw):
    today = dt.date.today().isoformat()
    r = call(aw, "li", "post", "/api/v1/visits", {
        "cadre": "li", "subjects": ["H1"], "date": today, "method": "door", "notes": "了解用水",
        "problems": [{"text": "自来水浑浊", "category": "water_supply"}, {"text": "想了解低保政策"}]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["cadre"] == "li" and body["date"] == today and body["subjects"][0]["external_id"] == "H1"
    assert body["cases"][0]["category"] == "water_supply"
    second = Case.objects.get(pk=body["cases"][1]["id"])  # no category given: a person's, or the system's when sure
    assert body["cases"][1]["category"] == (second.category.code if second.category else None)
    assert second.category is None or second.events.filter(action="categorize", actor__isnull=True).exists()
    case = Case.objects.get(pk=body["cases"][0]["id"])
    assert case.channel == "visit" and list(case.visits.values_list("id", flat=True)) == [body["id"]]
    # the visit is listed and readable by its cadre and the township dispatcher
    assert call(aw, "li", "get", "/api/v1/visits").json()["count"] == 1
    assert call(aw, "disp_zt", "get", f"/api/v1/visits/{body['id']}").status_code == 200
    assert call(aw, "disp_yx", "get", f"/api/v1/visits/{body['id']}").status_code == 404


@pytest.mark.parametrize("payload,field", [
    ({"subjects": ["H1"], "method": "door", "date": "yesterday"}, "date"),
    ({"subjects": ["H1"], "method": "walk"}, "method"),
    ({"subjects": ["ZZ"], "method": "door"}, "subjects"),
    ({"subjects": ["H1"], "method": "door", "problems": [{"text": "x", "category": "nope"}]}, "problems.0.category"),
    ({"subjects": ["H1"], "method": "door", "problems": [{"category": "water_supply"}]}, "problems.0.text"),
])
def test_post_visit_422_names_field(aw, payload, field):
    body = {"cadre": "li", "date": dt.date.today().isoformat(), **payload}
    r = call(aw, "li", "post", "/api/v1/visits", body)
    assert r.status_code == 422, r.content
    assert r.json()["field"] == field
    assert Case.objects.count() == 0


def test_auth_and_scope(aw):
    body = {"cadre": "li", "subjects": ["H1"], "date": dt.date.today().isoformat(), "method": "door"}
    assert call(aw, None, "post", "/api/v1/visits", body).status_code == 401
    assert call(aw, "cadre_zt", "post", "/api/v1/visits", body).status_code == 403
    assert call(aw, "disp_yx", "post", "/api/v1/visits", body).status_code == 403
    assert call(aw, "disp_zt", "post", "/api/v1/visits", body).status_code == 201


def test_subjects_masked_by_role(aw):
    r = call(aw, "leader_city", "get", "/api/v1/subjects?region=430212")
    rows = {s["external_id"]: s for s in r.json()["results"]}
    assert set(rows) == {"H1", "H2"} and rows["H1"]["phone"] == "138****5678"
    r = call(aw, "disp_zt", "get", "/api/v1/subjects/H1")
    assert r.json()["phone"] == "13812345678" and r.json()["tags"] == ["低保户"]
    assert call(aw, "disp_yx", "get", "/api/v1/subjects/H1").status_code == 404
    assert call(aw, "water", "get", "/api/v1/subjects").json()["count"] == 0


def test_subject_create_and_credit_code_error(aw):
    r = call(aw, "disp_zt", "post", "/api/v1/subjects", {
        "external_id": "E9", "kind": "enterprise", "name": "某公司", "region_code": "430212101201",
        "credit_code": "91350100M000100Y44"})
    assert r.status_code == 422 and r.json()["field"] == "credit_code"
    r = call(aw, "disp_zt", "post", "/api/v1/subjects", {
        "external_id": "E9", "kind": "enterprise", "name": "某公司", "region_code": "430212101201",
        "credit_code": "91350100M000100Y43", "tags": ["规上企业"]})
    assert r.status_code == 201 and r.json()["credit_code"] == "91350100M000100Y43"
    r = call(aw, "disp_yx", "post", "/api/v1/subjects", {
        "external_id": "E10", "kind": "household", "name": "x", "region_code": "430212101201"})
    assert r.status_code == 403


def test_pairing_and_public_card(aw):
    r = call(aw, "disp_zt", "post", "/api/v1/pairings", {"cadre": "li", "subjects": ["H1"], "role": "steward"})
    assert r.status_code == 201
    card = Client().get("/api/v1/subjects/H1/card").json()
    assert card["cadres"][0]["name"] == "li" and card["cadres"][0]["phone"] == "13900001111"
    assert card["subject"] == "张**"  # 张H1 masked
    assert call(aw, "cadre_zt", "get", "/api/v1/subjects/H1").json()["phone"] == "138****5678"
    # once paired, li sees H1's contact in full
    assert call(aw, "li", "get", "/api/v1/subjects/H1").json()["phone"] == "13812345678"
    pid = r.json()["pairings"][0]["id"]
    assert call(aw, "disp_zt", "delete", f"/api/v1/pairings/{pid}").status_code == 200
    # li still sees the subject (a cadre of its township) but no longer its contact data
    assert call(aw, "li", "get", "/api/v1/subjects/H1").json()["phone"] == "138****5678"


def test_coverage_endpoint(aw):
    call(aw, "li", "post", "/api/v1/visits", {"cadre": "li", "subjects": ["H1"],
                                              "date": dt.date.today().isoformat(), "method": "phone"})
    r = call(aw, "leader_city", "get", "/api/v1/coverage?rules=true")
    assert r.status_code == 200
    body = r.json()
    assert body["scope"]["region"] == "430200"  # defaulted to the leader's region
    vc = body["visit_coverage"]
    assert (vc["visited"], vc["subjects"]) == (1, 3)
    assert vc["by_tag"]["低保户"] == {"rate": 1.0, "visited": 1, "subjects": 1}
    assert body["participation_rate"]["active_cadres"] == 1
    assert body["rules"] == []
    assert call(aw, "leader_yx", "get", "/api/v1/coverage?region=430212").status_code == 403
    r = call(aw, "leader_city", "get", "/api/v1/coverage?from=2026-05-01&to=2026-04-01")
    assert r.status_code == 422 and r.json()["field"] == "from"
    assert call(aw, "admin", "get", "/api/v1/coverage?region=x").json()["field"] == "region"


def test_plan_endpoint(aw):
    r = call(aw, "disp_lk", "get", "/api/v1/plan?region=430212&load=2")
    assert r.status_code == 200, r.content
    body = r.json()
    assert {a["cadre"] for a in body["assignments"]} <= {"li", "cadre_zt"}
    assert body["summary"]["baseline_nearest"]["assigned"] >= 1
    assert call(aw, "cadre_zt", "get", "/api/v1/plan?region=430212").status_code == 403
    assert call(aw, "disp_lk", "get", "/api/v1/plan?region=430212&load=0").json()["field"] == "load"
