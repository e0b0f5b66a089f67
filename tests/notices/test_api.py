"""/api/v1/notifications over real HTTP: the caller's own only, the unread filter,
paging, read and read_all, 404 for another person's notice, bad input 422."""

import httpx

from minqing.cases import actions
from minqing.people.models import Notification


def cases_for_water(world, n):
    out = []
    for _ in range(n):
        c = actions.register(world.actor("disp_zt"), text="朱亭村停水", channel="hotline", kind="complaint",
                             category="water_supply", region="430212101201")
        actions.assign(world.actor("disp_zt"), c, department="lk-water")
        out.append(c)
    return out


def test_own_notices_newest_first_with_counts(tworld, api):
    cases = cases_for_water(tworld, 3)
    actions.assign(tworld.actor("disp_zt"), actions.register(
        tworld.actor("disp_zt"), text="道路坑洼", channel="hotline", kind="complaint", category="roads_transport",
        region="430212101201"), department="lk-roads")
    r = api("water").get("/notifications")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 3 and body["unread"] == 3
    assert [n["case_id"] for n in body["results"]] == [c.pk for c in reversed(cases)]
    first = body["results"][0]
    assert set(first) == {"id", "kind", "case_id", "tracking_code", "text", "created_at", "read"}
    assert first["kind"] == "assigned" and first["tracking_code"] == cases[-1].tracking_code
    assert first["read"] is False and cases[-1].tracking_code in first["text"]
    # roads sees only its own
    roads = api("roads").get("/notifications").json()
    assert roads["count"] == 1 and roads["results"][0]["kind"] == "assigned"
    assert not {n["id"] for n in roads["results"]} & {n["id"] for n in body["results"]}


def test_read_one_unread_filter_and_read_all(tworld, api):
    cases_for_water(tworld, 3)
    ids = [n["id"] for n in api("water").get("/notifications").json()["results"]]
    r = api("water").post(f"/notifications/{ids[1]}/read")
    assert r.status_code == 200 and r.json()["read"] is True and r.json()["id"] == ids[1]
    unread = api("water").get("/notifications", params={"unread": 1}).json()
    assert unread["count"] == 2 and unread["unread"] == 2
    assert [n["id"] for n in unread["results"]] == [ids[0], ids[2]]
    assert api("water").get("/notifications").json()["count"] == 3
    r = api("water").post("/notifications/read_all")
    assert r.status_code == 200 and r.json()["marked"] == 2
    after = api("water").get("/notifications").json()
    assert after["unread"] == 0 and all(n["read"] for n in after["results"])


def test_another_persons_notice_is_404_and_stays_unread(tworld, api):
    cases_for_water(tworld, 1)
    mine = Notification.objects.get(user=tworld.users["water"])
    r = api("roads").post(f"/notifications/{mine.pk}/read")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api("roads").post("/notifications/999999/read").status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None
    # read_all of another person touches nothing of mine
    api("roads").post("/notifications/read_all")
    mine.refresh_from_db()
    assert mine.read_at is None


def test_paging_and_bad_input(tworld, api):
    cases_for_water(tworld, 5)
    page2 = api("water").get("/notifications", params={"page": 2, "page_size": 2}).json()
    all_ids = [n["id"] for n in api("water").get("/notifications").json()["results"]]
    assert page2["count"] == 5 and [n["id"] for n in page2["results"]] == all_ids[2:4]
    for params in ({"page": 0}, {"page_size": 1000}, {"unread": "maybe"}, {"page": "x"}, {"page": 10**20},
                   {"page": 100_001}):
        r = api("water").get("/notifications", params=params)
        assert r.status_code == 422, (params, r.text)
        assert "code" in r.json() and "message" in r.json()
    assert api("water").post("/notifications/abc/read").status_code == 422
    anonymous = httpx.get(api("water").base_url.join("/api/v1/notifications"))
    assert anonymous.status_code == 401
