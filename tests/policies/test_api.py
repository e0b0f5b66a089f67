"""/api/v1/policies over HTTP: publish, list with figures, matches in scope and masked, deliveries."""

import pytest
from visits.conftest import make_cadre, make_subject

from minqing.people.scoping import Actor
from minqing.policies.models import Delivery
from minqing.visits import actions as visit_actions

ZT, LC, CD = "430212101201", "430212102201", "430223100001"
BODY = {"code": "elder-subsidy", "name": "高龄津贴", "department": "lk-housing", "benefit": "每月200元",
        "eligibility": {"kind": "household", "tags_any": ["高龄老人"], "region": "430212"}}


@pytest.fixture
def scene(tworld):
    make_subject(tworld, "H1", region=ZT, tags=["高龄老人"], name="王建国", phone="13812345678")
    make_subject(tworld, "H2", region=LC, tags=["高龄老人"], name="李秀英", phone="13912345678")
    make_subject(tworld, "H3", region=ZT, tags=["低保户"])
    make_subject(tworld, "H4", region=CD, tags=["高龄老人"])
    cadre = make_cadre(tworld, "cadre_a")
    visit_actions.pair(Actor.system(), cadre=cadre, subjects=["H1"])
    return tworld


def test_publish_a_policy(scene, api):
    r = api("disp_lk").post("/policies", json=BODY)
    assert r.status_code == 201, r.text
    assert r.json()["eligibility"] == {"kind": "household", "tags_any": ["高龄老人"], "tags_all": [],
                                       "region": "430212", "attrs": {}}
    assert api("disp_lk").post("/policies", json=BODY).status_code == 409
    assert api("disp_yx").post("/policies", json={**BODY, "code": "x"}).status_code == 403
    assert api("water").post("/policies", json={**BODY, "code": "x"}).status_code == 403
    assert api().post("/policies", json={**BODY, "code": "x"}).status_code == 401
    for bad, field in (({"eligibility": {"kind": "dog"}}, "eligibility.kind"),
                       ({"department": "nope"}, "department"),
                       ({"code": "x" * 65}, "code"),
                       ({"eligibility": {"kind": "household", "tags_any": ["t"] * 21}}, "eligibility.tags_any"),
                       ({"eligibility": {"kind": "household", "region": "430212", "attrs": {"a-b": "1"}}},
                        "eligibility.attrs")):
        r = api("disp_lk").post("/policies", json={**BODY, "code": "y", **bad})
        assert r.status_code == 422 and r.json()["field"] == field, (bad, r.text)


def test_matches_in_scope_masked_by_role(scene, api):
    api("disp_lk").post("/policies", json=BODY)
    r = api("disp_lk").get("/policies/elder-subsidy/matches")
    assert r.status_code == 200, r.text
    rows = r.json()["results"]
    assert [x["external_id"] for x in rows] == ["H1", "H2"]
    assert rows[0]["phone"] == "13812345678"  # a dispatcher of the region sees the contact
    leader = api("leader_city").get("/policies/elder-subsidy/matches").json()["results"]
    assert leader[0]["phone"] == "138****5678" and leader[0]["name"] == "王**"
    mine = api("cadre_a").get("/policies/elder-subsidy/matches").json()["results"]
    assert [x["external_id"] for x in mine] == ["H1"] and mine[0]["phone"] == "13812345678"  # 朱亭镇 only
    assert api("disp_yx").get("/policies/elder-subsidy/matches").json()["count"] == 0
    assert api("water").get("/policies/elder-subsidy/matches").json()["count"] == 0
    assert api("disp_lk").get("/policies/nope/matches").status_code == 404
    assert api("disp_lk").get("/policies/elder-subsidy/matches", params={"region": "430212102"}).json()["count"] == 1


def test_deliveries_are_idempotent_and_leave_the_matches(scene, api):
    api("disp_lk").post("/policies", json=BODY)
    r = api("cadre_a").post("/policies/elder-subsidy/deliveries", json={"subject": "H1", "note": "已送达"})
    assert r.status_code == 201, r.text
    assert r.json()["created"] is True and r.json()["delivered_by"] == "cadre_a"
    again = api("disp_lk").post("/policies/elder-subsidy/deliveries", json={"subject": "H1"})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["delivered_by"] == "cadre_a"
    assert Delivery.objects.count() == 1
    assert [x["external_id"] for x in api("disp_lk").get("/policies/elder-subsidy/matches").json()["results"]] == ["H2"]
    assert api("disp_lk").post("/policies/elder-subsidy/deliveries", json={"subject": "H3"}).status_code == 422
    assert api("disp_lk").post("/policies/elder-subsidy/deliveries", json={"subject": "H9"}).status_code == 422
    assert api("disp_yx").post("/policies/elder-subsidy/deliveries", json={"subject": "H2"}).status_code == 403
    assert api("water").post("/policies/elder-subsidy/deliveries", json={"subject": "H2"}).status_code == 403
    assert api("disp_lk").post("/policies/nope/deliveries", json={"subject": "H2"}).status_code == 404
    assert api("disp_lk").post("/policies/elder-subsidy/deliveries",
                               json={"subject": "H2", "visit": 2**63}).status_code == 422


def test_list_and_detail_carry_the_figures(scene, api):
    api("disp_lk").post("/policies", json=BODY)
    api("cadre_a").post("/policies/elder-subsidy/deliveries", json={"subject": "H1"})
    rows = api("disp_lk").get("/policies").json()["results"]
    assert [(x["code"], x["eligible"], x["delivered"], x["delivery_rate"]) for x in rows] == [
        ("elder-subsidy", 2, 1, 0.5)]
    d = api("leader_city").get("/policies/elder-subsidy").json()
    assert d["eligible"] == 2 and [r["region"] for r in d["by_region"]] == ["430212"]
    d = api("disp_lk").get("/policies/elder-subsidy", params={"region": "430212"}).json()
    assert [(r["region"], r["delivered"]) for r in d["by_region"]] == [("430212101", 1), ("430212102", 0)]
    assert api("disp_yx").get("/policies/elder-subsidy", params={"region": "430212"}).status_code == 403
    assert api("disp_yx").get("/policies").json()["count"] == 0
    s = api("leader_city").get("/stats").json()["policies"]
    assert (s["eligible"], s["delivered"], s["delivery_rate"]) == (2, 1, 0.5)
