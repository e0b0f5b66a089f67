"""Decisions over HTTP: POST /cases/{id}/categorize and /cases/{id}/unmerge (roles, states,
events, 422/403/404/409), and the category a registration takes from the classifier."""

import datetime as dt

import httpx
import pytest
from django.utils import timezone
from test_api_cases import act, new_case

from minqing.cases.models import Case, Event
from minqing.insights import classify, routing


def events_of(case_id, action):
    return list(Event.objects.filter(case_id=case_id, action=action).order_by("id"))


# ---- categorize ------------------------------------------------------------------------


def test_categorize_by_the_dispatcher_sets_the_category_with_an_event(api):
    c = new_case(api, category=None, text="这件事情说不清楚")
    assert Case.objects.get(pk=c["id"]).category is None
    out = act(api, "disp_zt", c["id"], "categorize", {"category": "roads_transport", "note": "是道路问题"})
    assert out["category"] == "roads_transport" and out["state"] == "registered"
    [ev] = events_of(c["id"], "categorize")
    assert ev.data == {"from": None, "to": "roads_transport"} and ev.actor.username == "disp_zt"
    assert ev.note == "是道路问题" and ev.from_state == ev.to_state == "registered"
    assert "categorize" in [e["action"] for e in out["events"]]
    # changed again: the event records from → to
    out = act(api, "disp_zt", c["id"], "categorize", {"category": "water_supply"})
    assert events_of(c["id"], "categorize")[-1].data == {"from": "roads_transport", "to": "water_supply"}
    assert Case.objects.get(pk=c["id"]).version == 2


def test_the_lead_department_may_categorize_at_any_open_state(api):
    c = new_case(api)
    act(api, "disp_zt", c["id"], "assign", {"department": "lk-water"})
    act(api, "water", c["id"], "categorize", {"category": "roads_transport"})
    act(api, "water", c["id"], "accept")
    act(api, "water", c["id"], "categorize", {"category": "water_supply"})
    act(api, "water", c["id"], "handle", {"result": "已修复", "disposition": "solved"})
    out = act(api, "water", c["id"], "categorize", {"category": "municipal_facilities"})
    assert out["state"] == "handled" and out["category"] == "municipal_facilities"
    assert [e.data["to"] for e in events_of(c["id"], "categorize")] == [
        "roads_transport", "water_supply", "municipal_facilities"]


def test_categorize_refusals(api):
    c = new_case(api)
    act(api, "disp_zt", c["id"], "assign", {"department": "lk-water"})
    before = Event.objects.count()
    # 422: unknown, missing, the same one, too long
    for body, field in (({"category": "nope"}, "category"), ({}, "category"),
                        ({"category": "water_supply"}, "category"), ({"category": "x" * 65}, "category"),
                        ({"category": "roads_transport", "note": "n" * 1001}, "note")):
        r = api("disp_zt").post(f"/cases/{c['id']}/categorize", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field and r.json()["code"]
    # 403: visible but not theirs (a supervisor, a co-department's neighbour, the county's return visitor)
    for who in ("sup_lk", "rv_lk", "leader_city", "cadre_zt"):
        r = api(who).post(f"/cases/{c['id']}/categorize", json={"category": "roads_transport"})
        assert r.status_code == 403 and r.json()["code"] == "forbidden", (who, r.text)
    # 404: another county's dispatcher, another department, an unknown case
    for who, cid in (("disp_yx", c["id"]), ("roads", c["id"]), ("disp_zt", 999999)):
        r = api(who).post(f"/cases/{cid}/categorize", json={"category": "roads_transport"})
        assert r.status_code == 404 and r.json()["code"] == "not_found", (who, r.text)
    assert Event.objects.count() == before
    # 409 once closed
    act(api, "water", c["id"], "accept")
    act(api, "water", c["id"], "handle", {"result": "已修复", "disposition": "solved"})
    act(api, "rv_lk", c["id"], "visit_back", {"rating": "satisfied", "score": 9})
    r = api("disp_zt").post(f"/cases/{c['id']}/categorize", json={"category": "roads_transport"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert Case.objects.get(pk=c["id"]).category.code == "water_supply"


def test_a_new_category_feeds_routing_history_and_training(api):
    """Routing's history and the training samples read the case's category: after a change
    they see the new one (the history cache is dropped at once)."""
    for _ in range(2):
        c = new_case(api)
        act(api, "disp_zt", c["id"], "assign", {"department": "lk-roads"})
    from minqing.cases.models import Category
    from minqing.regions.models import Region

    village = Region.objects.get(code="430212101201")
    roads_cat = Category.objects.get(code="roads_transport")
    from django.utils import translation

    with translation.override("zh-hans"):
        before = routing.Router().suggest(roads_cat, village)
    assert not any("历史" in d["reason"] for d in before)
    routing._history_table(roads_cat.pk)  # cached now
    act(api, "disp_zt", c["id"], "categorize", {"category": "roads_transport"})
    from django.utils import translation

    with translation.override("zh-hans"):  # the reasons are in the page's language
        after = routing.Router().suggest(roads_cat, village)
    lk_roads = next(d for d in after if d["code"] == "lk-roads")
    assert "历史：朱亭镇同类案件1件由其主办" in lk_roads["reason"] and "roads_transport" not in lk_roads["reason"]
    samples = dict((code, n) for code, n in _count(classify.decided_samples()).items())
    assert samples == {"water_supply": 1, "roads_transport": 1}


def _count(samples):
    out = {}
    for _text, code in samples:
        out[code] = out.get(code, 0) + 1
    return out


# ---- unmerge ----------------------------------------------------------------------------


def test_unmerge_restores_the_state_before_the_merge(api):
    original = new_case(api, text="朱亭村三组停水")
    dup = new_case(api, text="朱亭村三组又停水了")
    act(api, "disp_zt", dup["id"], "assign", {"department": "lk-water"})
    deadline = Case.objects.get(pk=dup["id"]).deadline
    act(api, "disp_zt", dup["id"], "merge", {"into": original["id"]})
    assert Case.objects.get(pk=dup["id"]).state == "merged"
    out = act(api, "disp_zt", dup["id"], "unmerge", {"note": "不是同一个问题"})
    assert out["state"] == "assigned" and out["lead_department"] == "lk-water"
    row = Case.objects.get(pk=dup["id"])
    assert row.merged_into_id is None and row.deadline == deadline
    [ev] = events_of(dup["id"], "unmerge")
    assert (ev.from_state, ev.to_state, ev.note) == ("merged", "assigned", "不是同一个问题")
    assert ev.data["from"] == original["id"] and ev.actor.username == "disp_zt"
    assert events_of(original["id"], "merge_undone")[0].data["case"] == dup["id"]
    # the lifecycle goes on from there
    act(api, "water", dup["id"], "accept")
    # and unmerging twice is a 409
    r = api("disp_zt").post(f"/cases/{dup['id']}/unmerge", json={})
    assert r.status_code == 409


def test_unmerge_roles_and_window(api):
    original = new_case(api)
    dup = new_case(api)
    act(api, "disp_zt", dup["id"], "merge", {"into": original["id"]})
    for who in ("sup_lk", "rv_lk", "leader_city"):
        r = api(who).post(f"/cases/{dup['id']}/unmerge", json={})
        assert r.status_code == 403, (who, r.text)
    for who in ("disp_yx", "water"):  # not theirs to see
        r = api(who).post(f"/cases/{dup['id']}/unmerge", json={})
        assert r.status_code == 404, (who, r.text)
    r = api("disp_zt").post(f"/cases/{original['id']}/unmerge", json={})  # not merged
    assert r.status_code == 409
    # the merge 31 days ago: too late
    Event.objects.filter(case_id=dup["id"], action="merge").update(at=timezone.now() - dt.timedelta(days=31))
    r = api("disp_zt").post(f"/cases/{dup['id']}/unmerge", json={})
    assert r.status_code == 409 and r.json()["code"] == "unmerge_window_passed"
    assert Case.objects.get(pk=dup["id"]).state == "merged"
    # 29 days ago: still allowed, by the county's dispatcher too (the region above)
    Event.objects.filter(case_id=dup["id"], action="merge").update(at=timezone.now() - dt.timedelta(days=29))
    out = act(api, "disp_lk", dup["id"], "unmerge", {})
    assert out["state"] == "registered"


def test_the_tracking_page_follows_an_unmerged_case_back(api, live_server):
    original = new_case(api, text="朱亭村三组停水")
    dup = new_case(api, text="朱亭村三组又停水了")
    act(api, "disp_zt", dup["id"], "merge", {"into": original["id"]})
    page = httpx.get(f"{live_server.url}/t/{dup['tracking_code']}/").text
    assert original["tracking_code"] in page
    act(api, "disp_zt", dup["id"], "unmerge", {})
    page = httpx.get(f"{live_server.url}/t/{dup['tracking_code']}/").text
    assert dup["tracking_code"] in page and original["tracking_code"] not in page
    assert "已恢复单独办理" in page


# ---- the category at registration ------------------------------------------------------------


@pytest.mark.parametrize("score,applied", [(0.93, True), (0.8, True), (0.79, False), (0.2, False)])
def test_registration_applies_the_suggestion_at_or_above_the_threshold(api, monkeypatch, score, applied):
    monkeypatch.setattr(classify, "top_category", lambda text: ("roads_transport", score))
    c = new_case(api, category=None, text="村口那条路坑坑洼洼")
    assert c["category"] == ("roads_transport" if applied else None)
    cats = events_of(c["id"], "categorize")
    if applied:
        [ev] = cats
        assert ev.actor is None and ev.actor_label == "system"
        assert ev.data == {"from": None, "to": "roads_transport", "score": score, "auto": True}
        assert Case.objects.get(pk=c["id"]).version == 1
    else:
        assert cats == [] and Case.objects.get(pk=c["id"]).category is None


def test_a_given_category_is_kept_and_the_threshold_is_a_setting(api, monkeypatch, settings):
    monkeypatch.setattr(classify, "top_category", lambda text: ("roads_transport", 0.99))
    c = new_case(api, category="water_supply")
    assert c["category"] == "water_supply" and not events_of(c["id"], "categorize")
    settings.MINQING = {**settings.MINQING, "CATEGORY_AUTO_THRESHOLD": 1.5}  # off
    c = new_case(api, category=None)
    assert c["category"] is None


def test_a_failing_classifier_never_fails_a_registration(api, monkeypatch):
    def broken(text):
        raise RuntimeError("model file is broken")

    monkeypatch.setattr(classify, "top_category", broken)
    c = new_case(api, category=None)
    assert c["category"] is None and c["state"] == "registered"


def test_the_real_classifier_decides_a_plain_text(api):
    """No monkeypatch: a text that can only be about the water supply is categorized at once."""
    best = classify.top_category("自来水停水三天了，水管爆裂，没有水喝")
    assert best[0] == "water_supply"
    c = new_case(api, category=None, text="自来水停水三天了，水管爆裂，没有水喝")
    assert c["category"] == ("water_supply" if best[1] >= 0.8 else None)


# ---- locate (the place, adopted from the text) ------------------------------------------------


def test_locate_sets_a_more_precise_place_within_the_owner(api):
    c = new_case(api, region="430212101")  # the township only
    out = act(api, "disp_zt", c["id"], "locate", {"region": "430212101201"})
    assert out["region"] == "430212101201"
    row = Case.objects.get(pk=c["id"])
    assert row.region_path == row.region.path and row.owner_region.code == "430212101"
    [ev] = events_of(c["id"], "locate")
    assert ev.data == {"from": "430212101", "to": "430212101201"}
    # another township's village: not this dispatcher's to place there (422); unknown (422); a handler (403/404)
    for body in ({"region": "430212102201"}, {"region": "999"}, {}, {"region": "430212101201"}):
        r = api("disp_zt").post(f"/cases/{c['id']}/locate", json=body)
        assert r.status_code == 422 and r.json()["field"] == "region", (body, r.text)
    act(api, "disp_zt", c["id"], "assign", {"department": "lk-water"})
    r = api("water").post(f"/cases/{c['id']}/locate", json={"region": "430212101201-G1"})
    assert r.status_code == 403
