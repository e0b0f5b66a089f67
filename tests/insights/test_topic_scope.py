"""A topic is visible and adoptable only by a leader or dispatcher whose scope covers its
region and ALL its cases; no answer names a case outside the caller's scope."""

import re

import pytest
from django.contrib.auth import get_user_model

from minqing.cases.models import Topic
from minqing.people.models import ApiToken, Membership

from .conftest import call, register

ZT, LC, YX = "430212101201", "430212102201", "430223100001"  # 朱亭村 / 龙船村 (渌口区), 城东社区 (攸县)


@pytest.fixture
def scene(world):
    u = get_user_model().objects.create_user("disp_lc")  # a dispatcher of another township (龙船镇)
    Membership.objects.create(user=u, role="dispatcher", region=world.regions["430212102"])
    world.users["disp_lc"] = u
    world.tokens["disp_lc"] = ApiToken.issue(u, "test")[1]
    zt = [register(world, f"朱亭村停水第{i}次", region=ZT).pk for i in range(3)]
    yx = [register(world, f"城东社区噪音第{i}次", region=YX, actor="disp_yx").pk for i in range(2)]
    no_region = Topic.objects.create(title="朱亭停水（无区划）")
    no_region.cases.add(*zt)
    across = Topic.objects.create(title="两县共性问题")
    across.cases.add(zt[0], yx[0])
    county = Topic.objects.create(title="渌口区停水", region=world.regions["430212"])
    county.cases.add(*zt)
    empty = Topic.objects.create(title="空专题")
    return {"zt": zt, "yx": yx, "no_region": no_region, "across": across, "county": county, "empty": empty}


def _no_ids(resp):
    assert not re.search(r"\d", resp.content.decode()), resp.content


@pytest.mark.parametrize("user,topic,seen", [
    ("disp_zt", "no_region", True), ("disp_lk", "no_region", True), ("leader_city", "no_region", True),
    ("disp_lc", "no_region", False), ("leader_yx", "no_region", False), ("disp_yx", "no_region", False),
    ("leader_city", "across", True), ("admin", "across", True),
    ("disp_lk", "across", False), ("disp_zt", "across", False), ("leader_yx", "across", False),
    ("disp_lk", "county", True), ("disp_zt", "county", False), ("disp_lc", "county", False),
    ("admin", "empty", True), ("leader_city", "empty", False), ("disp_lk", "empty", False),
])
def test_visible_and_adoptable_only_when_all_cases_are_in_scope(world, scene, user, topic, seen):
    t = scene[topic]
    r = call(world, user, "get", f"/api/v1/insights/topics/{t.pk}")
    a = call(world, user, "post", f"/api/v1/insights/topics/{t.pk}/adopt", {"policy": "统一改造"})
    t.refresh_from_db()
    if seen:
        assert r.status_code == 200 and sorted(r.json()["case_ids"]) == sorted(t.cases.values_list("pk", flat=True))
        assert a.status_code == 200 and t.policy == "统一改造" and t.adopted_by.username == user
    else:
        assert r.status_code == 404 and a.status_code == 404
        assert r.json()["code"] == "not_found"
        _no_ids(r)
        _no_ids(a)
        assert t.policy == "" and t.adopted_at is None


def test_other_roles_are_refused(world, scene):
    t = scene["no_region"]
    for user in ("water", "sup_lk", "cadre_zt", "rv_lk"):
        assert call(world, user, "get", f"/api/v1/insights/topics/{t.pk}").status_code == 404
        r = call(world, user, "post", f"/api/v1/insights/topics/{t.pk}/adopt", {"policy": "x"})
        assert r.status_code == 403
        _no_ids(r)
    assert call(world, "leader_city", "get", "/api/v1/insights/topics/999999").status_code == 404


def test_adopting_cannot_pull_in_cases_outside_the_scope(world, scene):
    t = scene["no_region"]
    # 渌口区's dispatcher sees the topic, but may not add 攸县's case to it
    r = call(world, "disp_lk", "post", f"/api/v1/insights/topics/{t.pk}/adopt",
             {"policy": "p", "case_ids": [scene["yx"][0]]})
    assert r.status_code == 422 and r.json()["field"] == "case_ids"
    assert sorted(t.cases.values_list("pk", flat=True)) == sorted(scene["zt"])
    # a new topic without a region: only cases the adopter's whole scope covers
    r = call(world, "disp_zt", "post", "/api/v1/insights/topics",
             {"title": "跨镇", "case_ids": scene["zt"] + scene["yx"][:1]})
    assert r.status_code == 422 and r.json()["field"] == "case_ids"
    r = call(world, "disp_zt", "post", "/api/v1/insights/topics", {"title": "朱亭", "case_ids": scene["zt"]})
    assert r.status_code == 201 and sorted(r.json()["case_ids"]) == sorted(scene["zt"])
    new = r.json()["id"]
    assert call(world, "disp_lc", "get", f"/api/v1/insights/topics/{new}").status_code == 404
    assert call(world, "leader_yx", "get", f"/api/v1/insights/topics/{new}").status_code == 404


def test_ranked_topics_name_only_cases_in_scope(world, scene):
    r = call(world, "leader_yx", "get", "/api/v1/insights/topics?min_size=2")
    assert r.status_code == 200
    ids = {i for t in r.json()["topics"] for i in t["case_ids"]}
    assert ids <= set(scene["yx"])
    assert call(world, "disp_lc", "get", "/api/v1/insights/topics?region=430212101").status_code == 403
