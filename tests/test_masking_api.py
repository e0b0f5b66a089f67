"""API answers beyond the case detail: the search snippet and the effect list are masked
for a role that sees contact data masked, as written for one who calls the reporter."""

from casebuild import register
from django.test import Client

from minqing.cases import actions

SECRET = "联系人：王晓明，手机13800138000"


def get(world, user, url):
    r = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens[user]}").get(url)
    assert r.status_code == 200, r.content
    return r


def test_search_snippet(world):
    register(world, text="朱亭村停水三天，" + SECRET)
    for user, masked in (("sup_lk", True), ("cadre_zt", True), ("disp_zt", False)):
        body = get(world, user, "/api/v1/insights/search?q=停水").json()
        item = body["results"][0]
        assert ("王晓明" in item["snippet"] + item["text"]) is not masked, user
        if masked:
            assert "138****8000" in item["snippet"] and "13800138000" not in get(
                world, user, "/api/v1/insights/search?q=停水").content.decode()


def test_effects(world):
    case = register(world, text="朱亭村停水")
    disp, water = world.actor("disp_zt"), world.actor("water")
    actions.assign(disp, case, department="lk-water")
    actions.accept(water, case)
    actions.handle(water, case, result="已修复。" + SECRET, disposition="solved")
    actions.visit_back(world.actor("rv_lk"), case, rating="satisfied", score=9)
    masked = get(world, "leader_city", "/api/v1/effects").json()["results"][0]
    assert "13800138000" not in masked["what_was_done"] and "王**" in masked["what_was_done"]
    full = get(world, "disp_zt", "/api/v1/effects").json()["results"][0]
    assert SECRET in full["what_was_done"]
    csv = b"".join(Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['leader_city']}")
                   .get("/api/v1/exports/effects.csv").streaming_content).decode("utf-8-sig")
    assert "138****8000" in csv and "13800138000" not in csv
