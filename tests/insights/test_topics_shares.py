"""Classes of problems, adopting one, and channel × category shares."""

import datetime as dt

from django.utils import timezone

from minqing.cases.models import Topic
from minqing.insights import figures, shares, topics

from .conftest import call, register

WATER = ["朱亭村停水三天了", "朱亭村又停水了，水管爆了", "朱亭村自来水停水一天", "朱亭村停水没人修水管",
         "朱亭村停水，水管漏水"]
LIGHTS = ["朱亭村路灯坏了晚上很黑", "朱亭村路灯不亮好几天", "朱亭村路灯全坏了", "朱亭村的路灯坏了没人修"]


def _seed(world):
    now = timezone.now()
    ids = []
    for i, t in enumerate(WATER):
        ids.append(register(world, t, region="430212101201", category="water_supply",
                            at=now - dt.timedelta(days=20 - 4 * i)).pk)
    for i, t in enumerate(LIGHTS):
        register(world, t, region="430212101201", category="municipal_facilities", channel="web",
                 at=now - dt.timedelta(days=i + 1))
    register(world, "城东社区路灯坏了", actor="disp_yx", region="430223100001", category="municipal_facilities")
    return ids


def test_topics_grouped_labelled_and_ranked(world):
    water_ids = _seed(world)
    found = topics.find_topics(figures.make_scope(region="430212"))
    by_cat = {t["category"]: t for t in found}
    water = by_cat["water_supply"]
    assert water["size"] == 5 and water["case_ids"] == sorted(water_ids)
    assert "停水" in water["keywords"] and water["by_channel"] == {"hotline": 5}
    assert water["by_region"][0]["code"] == "430212101" and water["by_region"][0]["name"] == "朱亭镇"
    assert sum(water["trend"].values()) == 5
    assert by_cat["municipal_facilities"]["size"] == 4  # 攸县's case is outside the region
    assert [t["rank"] for t in found] == list(range(1, len(found) + 1))
    assert found == sorted(found, key=lambda t: -t["score"])
    assert all(t["score"] == round((t["size"] + 2 * t["unsatisfied"] + 2 * t["reopened"]) * t["growth"], 3)
               for t in found)


def test_topics_api_scope_and_adopt(world):
    water_ids = _seed(world)
    r = call(world, "leader_city", "get", "/api/v1/insights/topics?region=430212")
    assert r.status_code == 200, r.content
    assert {t["category"] for t in r.json()["topics"]} >= {"water_supply"}
    assert call(world, "disp_yx", "get", "/api/v1/insights/topics?region=430212").status_code == 403
    payload = {"title": "朱亭村反复停水", "case_ids": water_ids, "keywords": ["停水"], "region": "430212101",
               "policy": "更换朱亭村主供水管"}
    r = call(world, "disp_zt", "post", "/api/v1/insights/topics", payload)
    assert r.status_code == 201, r.content
    t = Topic.objects.get(pk=r.json()["id"])
    assert t.adopted_at and t.adopted_by.username == "disp_zt" and t.policy == "更换朱亭村主供水管"
    assert sorted(t.cases.values_list("pk", flat=True)) == sorted(water_ids)
    # a handler may not adopt; unknown cases are refused naming the field; nothing half-done
    assert call(world, "water", "post", "/api/v1/insights/topics", payload).status_code == 403
    bad = dict(payload, case_ids=water_ids + [999999])
    r = call(world, "disp_zt", "post", "/api/v1/insights/topics", bad)
    assert r.status_code == 422 and r.json()["field"] == "case_ids"
    assert Topic.objects.count() == 1
    r = call(world, "disp_zt", "post", f"/api/v1/insights/topics/{t.pk}/adopt", {"policy": "新政策"})
    assert r.status_code == 200 and r.json()["policy"] == "新政策"


def test_channel_category_shares(world):
    _seed(world)
    data = shares.channel_category_shares(figures.make_scope(region="430212"))
    assert shares.share_of(data, "hotline", "water_supply") == 1.0
    assert shares.share_of(data, "web", "municipal_facilities") == 1.0
    register(world, "朱亭村路灯坏了", region="430212101201", category="municipal_facilities")
    data = shares.channel_category_shares(figures.make_scope(region="430212"))
    assert shares.share_of(data, "hotline", "water_supply") == round(5 / 6, 4)
    r = call(world, "leader_city", "get", "/api/v1/insights/shares?region=430200")
    assert r.status_code == 200
    web = [c for c in r.json()["channels"] if c["channel"] == "web"][0]
    assert web["total"] == 4 and web["categories"][0]["code"] == "municipal_facilities"
    r = call(world, "leader_city", "get", "/api/v1/insights/shares?from=2025-13-01")
    assert r.status_code == 422
