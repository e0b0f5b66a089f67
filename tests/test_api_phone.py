"""GET /api/v1/cases?phone=NUMBER over real HTTP: a caller's cases by phone, whatever the
spelling (separators, +86), within the caller's scope; only operators, dispatchers, return
visitors and admins may filter by phone (403 JSON for the others); bad numbers are 422."""

import httpx
import pytest

from minqing.cases import actions
from minqing.people.models import ApiToken, Membership, Role


@pytest.fixture
def api(tworld, live_server):
    clients = []

    def client(who):
        c = httpx.Client(base_url=live_server.url + "/api/v1",
                         headers={"Authorization": f"Bearer {tworld.tokens[who]}"}, timeout=30)
        clients.append(c)
        return c

    yield client
    for c in clients:
        c.close()


def add_operator(world, name, region_code):
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user(name, password=f"pw-{name}-123")
    Membership.objects.create(user=u, role=Role.OPERATOR, region=world.regions[region_code])
    world.users[name] = u
    world.tokens[name] = ApiToken.issue(u, "test")[1]
    return u


def reg(world, phone, region="430212101201", who="disp_lk", text="朱亭村自来水停了三天"):
    return actions.register(world.actor(who), text=text, channel="hotline", kind="complaint", region=region,
                            reporter_name="张三", reporter_phone=phone)


@pytest.fixture
def calls(tworld):
    w = tworld
    add_operator(w, "op_lk", "430212")
    return {
        "a": reg(w, "138-0013-8000"),
        "b": reg(w, "+86 138 0013 8000", region="430212102201", text="龙船村路灯坏了一个月"),
        "c": reg(w, "13800138000", region="430223100001", who="disp_yx", text="城东社区垃圾没人清运"),  # 攸县
        "other": reg(w, "13900139000"),
        "anon": actions.register(w.actor("disp_lk"), text="匿名反映朱亭村噪音扰民", channel="hotline",
                                 kind="complaint", region="430212101201", reporter_phone="13800138000",
                                 anonymous=True),
    }


@pytest.mark.parametrize("spelling", ["13800138000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000",
                                      "0086 13800138000", "(138) 0013.8000", "８６１３８００１３８０００"])
def test_every_spelling_finds_the_same_cases_in_scope(api, calls, spelling):
    r = api("op_lk").get("/cases", params={"phone": spelling})
    assert r.status_code == 200, r.text
    body = r.json()
    codes = [c["tracking_code"] for c in body["results"]]
    # 渌口区's operator: the two 渌口区 cases, newest first; not 攸县's, not another number, not the anonymous one
    assert codes == [calls["b"].tracking_code, calls["a"].tracking_code]
    assert body["count"] == 2
    # the case-list shape, with the contact in full for an operator
    first = body["results"][0]
    assert {"id", "tracking_code", "state", "channel", "reporter_phone"} <= set(first)
    assert first["reporter_phone"] == "+86 138 0013 8000"


def test_scope_decides_what_a_phone_finds(api, calls):
    yx = api("disp_yx").get("/cases", params={"phone": "13800138000"}).json()
    assert [c["tracking_code"] for c in yx["results"]] == [calls["c"].tracking_code]
    admin = api("admin").get("/cases", params={"phone": "13800138000"}).json()
    assert admin["count"] == 3
    rv = api("rv_lk").get("/cases", params={"phone": "138 0013 8000"}).json()
    assert rv["count"] == 2


def test_phone_combines_with_other_filters(api, calls):
    r = api("disp_lk").get("/cases", params={"phone": "13800138000", "region": "430212102"})
    assert [c["tracking_code"] for c in r.json()["results"]] == [calls["b"].tracking_code]


@pytest.mark.parametrize("who", ["water", "leader_city", "sup_lk", "cadre_zt"])
def test_others_may_not_filter_by_phone(api, calls, who):
    r = api(who).get("/cases", params={"phone": "13800138000"})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["code"] == "forbidden" and r.json()["message"]
    # without the phone filter their list still works
    assert api(who).get("/cases").status_code == 200


@pytest.mark.parametrize("bad", ["", "abc", "12", "1" * 25, "138\u00000013", "+86", "x" * 200])
def test_bad_numbers_are_422(api, calls, bad):
    r = api("op_lk").get("/cases", params={"phone": bad})
    assert r.status_code == 422, (bad, r.text)
    assert r.json()["field"] == "phone"


def test_operator_registers_through_the_api(api, calls):
    body = {"text": "龙船村自来水发黄有异味", "channel": "hotline", "kind": "complaint", "region": "430212102201",
            "reporter_name": "李四", "reporter_phone": "139-0000-1111"}
    r = api("op_lk").post("/cases", json=body)
    assert r.status_code == 201, r.text
    found = api("op_lk").get("/cases", params={"phone": "13900001111"}).json()
    assert [c["tracking_code"] for c in found["results"]] == [r.json()["tracking_code"]]
    for channel in ("letter", "reception", "mayor_mail", "petition"):
        assert api("op_lk").post("/cases", json={**body, "channel": channel}).status_code == 201
