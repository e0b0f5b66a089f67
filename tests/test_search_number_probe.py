"""A role that sees contact data masked may not search the case lists by a number: the list would
still tell them which case holds a phone or ID number they cannot read."""

import pytest

from minqing.insights.search import NUMBER_PROBE


def new_case(api, text):
    body = {"text": text, "channel": "hotline", "kind": "complaint", "category": "water_supply",
            "region": "430212101201", "reporter_name": "王五", "reporter_phone": "13800138000"}
    r = api("disp_zt").post("/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("query", ["13800138000", "138 0013 8000", "0731-22334455", "430102199001011234", "88123"])
def test_number_like_queries_are_probes(query):
    assert NUMBER_PROBE.search(query)


@pytest.mark.parametrize("query", ["停水", "朱亭村3组", "2026年", "12号楼", "3天"])
def test_ordinary_queries_are_not(query):
    assert not NUMBER_PROBE.search(query)


def test_api_list_refuses_a_number_search_to_masked_roles(api):
    case = new_case(api, text="朱亭村停水三天了，联系电话13800138000")
    # the dispatcher sees contact data: the number finds the case
    r = api("disp_lk").get("/cases", params={"q": "13800138000"})
    assert r.status_code == 200, r.text
    # leaders and supervisors see the text masked: a number search is refused, not answered
    for who in ("leader_city", "sup_lk"):
        r = api(who).get("/cases", params={"q": "13800138000"})
        assert r.status_code == 422 and r.json()["field"] == "q", (who, r.text)
        r = api(who).get("/cases", params={"q": "138 0013 8000"})
        assert r.status_code == 422
        # an ordinary word still works, and the tracking code too
        assert api(who).get("/cases", params={"q": "停水"}).status_code == 200
        r = api(who).get("/cases", params={"q": case["tracking_code"]})
        assert r.status_code == 200 and r.json()["count"] == 1


def test_web_list_shows_the_refusal(tworld):
    from django.test import Client

    c = Client()
    c.force_login(tworld.users["leader_city"])
    resp = c.get("/work/cases/", {"q": "13800138000"})
    assert resp.status_code == 200
    assert "按号码查找需要查看联系方式的权限" in resp.content.decode()
    c.force_login(tworld.users["disp_lk"])
    resp = c.get("/work/cases/", {"q": "13800138000"})
    assert resp.status_code == 200 and "按号码查找" not in resp.content.decode()
