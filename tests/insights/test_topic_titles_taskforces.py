"""Topics a leader can read (title = place span + problem phrase, stable ids, weighted rank,
每月一题 candidate) and task forces (工作专班) over the API."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from minqing.cases import actions
from minqing.insights import figures, taskforces, topics
from minqing.insights.models import TaskForce, TaskForceEvent, TaskForceNote
from minqing.people.models import ApiToken, Membership, Notification
from minqing.regions.models import Region

from .conftest import call, register

ZT, LC, YX = "430212101201", "430212102201", "430223100001"  # 朱亭村, 龙船村 (渌口区); 城东社区 (攸县)


def _extra_places(world):
    """A second village of 朱亭镇 and a second community of 联星街道."""
    world.regions["430212101202"] = Region.objects.create(code="430212101202", name="黄龙村", level="village",
                                                          parent=world.regions["430212101"])
    world.regions["430223100002"] = Region.objects.create(code="430223100002", name="城西社区", level="village",
                                                          parent=world.regions["430223100"])


def _water(world, region, n, actor="disp_zt", text="{}停水了，好几天没有水"):
    name = Region.objects.get(code=region).name
    return [register(world, text.format(name) + f"（第{i}次）", region=region, category="water_supply",
                     actor=actor).pk for i in range(n)]


def _titles(scope_region="430212"):
    return {t["title"]: t for t in topics.find_topics(figures.make_scope(region=scope_region), min_size=2)}


def test_single_village_title(world):
    ids = _water(world, ZT, 3)
    t = _titles()["朱亭村停水"]
    assert t["case_ids"] == sorted(ids) and t["phrase"] == "停水" and t["place"]["code"] == ZT
    assert not t["place"]["several"]


def test_several_villages_of_a_township(world):
    _extra_places(world)
    _water(world, ZT, 2)
    _water(world, "430212101202", 2)
    found = _titles()
    assert "朱亭镇多个村反映停水" in found, list(found)
    assert found["朱亭镇多个村反映停水"]["size"] == 4


def test_villages_of_several_townships_name_the_county(world):
    _water(world, ZT, 2)
    _water(world, LC, 2)
    assert "渌口区多个村反映停水" in _titles()


def test_communities_of_a_street(world):
    _extra_places(world)
    _water(world, YX, 2, actor="disp_yx")
    _water(world, "430223100002", 2, actor="disp_yx")
    found = _titles("430223")
    assert "联星街道多个社区反映停水" in found, list(found)


def test_problem_phrase_from_the_texts_and_fallback(world):
    for i in range(3):
        register(world, f"朱亭村路灯坏了晚上很黑{i}", region=ZT, category="municipal_facilities")
        register(world, f"朱亭村这边有些事情想反映一下{i}", region=ZT, category="civil_affairs")
    found = _titles()
    assert "朱亭村路灯损坏" in found and "朱亭村民政救助问题" in found, list(found)
    assert topics.phrase_for("water_supply", "又停水了，水管爆了") == "停水"
    assert topics.phrase_for("water_supply", "水管爆了，现在停水") == "水管漏水"


def test_ids_are_stable_across_computations_and_windows(world):
    _water(world, ZT, 3)
    _water(world, LC, 3, text="{}自来水发黄浑浊")
    first = {t["id"]: t["title"] for t in topics.find_topics(figures.make_scope(region="430212"))}
    second = {t["id"]: t["title"] for t in topics.find_topics(figures.make_scope(region="430212"))}
    wide = {t["id"]: t["title"] for t in topics.find_topics(figures.make_scope(region="430200"))}
    today = timezone.localdate()
    windowed = {t["id"]: t["title"] for t in topics.find_topics(
        figures.make_scope(region="430212", date_from=today - dt.timedelta(days=30), date_to=today))}
    assert len(first) == 2 and first == second == wide == windowed
    assert all(k.startswith("t") and len(k) == 13 for k in first)


def test_dissatisfaction_weighs_more_and_candidate(world):
    lights = [register(world, f"朱亭村路灯不亮{i}", region=ZT, category="municipal_facilities") for i in range(3)]
    _water(world, ZT, 4)
    found = topics.find_topics(figures.make_scope(region="430212"))
    assert found[0]["title"] == "朱亭村停水" and found[0]["candidate"]
    # two unsatisfied return visits on the smaller topic put it first
    disp, roads, rv = world.actor("disp_zt"), world.actor("roads"), world.actor("rv_lk")
    for c in lights[:2]:
        actions.assign(disp, c, department="lk-roads")
        actions.accept(roads, c)
        actions.handle(roads, c, result="已修", disposition="solved")
        actions.visit_back(rv, c, rating="unsatisfied", score=2, note="还是不亮")
    found = topics.find_topics(figures.make_scope(region="430212"))
    top = found[0]
    assert top["title"] == "朱亭村路灯损坏" and top["unsatisfied"] == 2 and top["reopened"] >= 2
    assert top["candidate"] and not found[1]["candidate"]
    assert top["departments"] == [{"code": "lk-roads", "name": "渌口区交通运输局", "count": 2}]
    assert sum(top["trend"].values()) == 3


# ---- API -----------------------------------------------------------------------------------------

@pytest.fixture
def scene(world):
    u = get_user_model().objects.create_user("leader_lk")
    Membership.objects.create(user=u, role="leader", region=world.regions["430212"])
    world.users["leader_lk"] = u
    world.tokens["leader_lk"] = ApiToken.issue(u, "test")[1]
    zt = _water(world, ZT, 3)
    yx = _water(world, YX, 3, actor="disp_yx")
    return {"zt": zt, "yx": yx}


def _topic(world, user, title, query=""):
    r = call(world, user, "get", f"/api/v1/insights/topics{query}")
    assert r.status_code == 200, r.content
    return next((t for t in r.json()["topics"] if t["title"] == title), None)


def _body(**over):
    due = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    body = {"lead": "lk-water", "members": ["zt-office", "lk-roads"], "due": due, "goal": "更换朱亭村主供水管，年底前停水不超过一天"}
    body.update(over)
    return body


def test_topic_list_carries_id_title_and_scope(world, scene):
    t = _topic(world, "disp_lk", "朱亭村停水")
    assert t and t["id"] and t["candidate"]
    assert _topic(world, "disp_lk", "朱亭村停水")["id"] == t["id"]
    # read at county level or above: one id; a township's dispatcher reads the township's classes
    assert _topic(world, "leader_city", "朱亭村停水", "?region=430200")["id"] == t["id"]
    assert _topic(world, "leader_lk", "朱亭村停水")["id"] == t["id"]
    town = _topic(world, "disp_zt", "朱亭村停水")
    assert town["id"] != t["id"] and _topic(world, "disp_zt", "朱亭村停水")["id"] == town["id"]
    assert _topic(world, "disp_yx", "朱亭村停水") is None
    assert call(world, "water", "get", "/api/v1/insights/topics").status_code == 403


def test_create_taskforce_201_and_notices(world, scene):
    t = _topic(world, "disp_zt", "朱亭村停水")
    r = call(world, "disp_zt", "post", f"/api/v1/insights/topics/{t['id']}/taskforce", _body())
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["topic_id"] == t["id"] and d["title"] == "朱亭村停水" and d["lead"]["code"] == "lk-water"
    assert [m["code"] for m in d["members"]] == ["lk-roads", "zt-office"]
    assert d["case_ids"] == sorted(scene["zt"]) and d["progress"]["cases"] == 3 and d["progress"]["closed"] == 0
    tf = TaskForce.objects.get(pk=d["id"])
    assert sorted(tf.topic.cases.values_list("pk", flat=True)) == sorted(scene["zt"])
    assert list(TaskForceEvent.objects.filter(taskforce=tf).values_list("action", flat=True)) == ["create"]
    notified = set(Notification.objects.filter(kind="task_assigned").values_list("user__username", flat=True))
    assert notified == {"water", "ztoffice", "roads"}
    # the topic is no longer the month's candidate, and a second task force on it is refused
    again = _topic(world, "disp_zt", "朱亭村停水")
    assert again["taskforce"] and not again["candidate"]
    r = call(world, "disp_zt", "post", f"/api/v1/insights/topics/{t['id']}/taskforce", _body())
    assert r.status_code == 409 and TaskForce.objects.count() == 1


@pytest.mark.parametrize("over,field", [
    ({"lead": "no-such"}, "lead"), ({"lead": ""}, "lead"), ({"members": ["nope"]}, "members"),
    ({"due": "2001-01-01"}, "due"), ({"due": "not a date"}, "due"), ({"goal": "   "}, "goal"),
    ({"goal": "长" * 2001}, "goal"), ({"members": "lk-roads"}, "members"), ({"goal": "改造\x00水管"}, "goal"),
    ({"lead": "lk-\x00water"}, "lead"), ({"members": ["x" * 65]}, "members"), ({"members": ["a"] * 31}, "members"),
])
def test_create_taskforce_422(world, scene, over, field):
    t = _topic(world, "disp_zt", "朱亭村停水")
    r = call(world, "disp_zt", "post", f"/api/v1/insights/topics/{t['id']}/taskforce", _body(**over))
    assert r.status_code == 422, r.content
    # (an item of a list is named by its position: members.0)
    assert r.json()["code"] == "invalid" and r.json()["field"].split(".")[0] == field
    assert TaskForce.objects.count() == 0 and Notification.objects.filter(kind="task_assigned").count() == 0


def test_create_taskforce_403_and_404(world, scene):
    t = _topic(world, "disp_zt", "朱亭村停水")
    url = f"/api/v1/insights/topics/{t['id']}/taskforce"
    for user in ("water", "sup_lk", "cadre_zt", "rv_lk"):
        assert call(world, user, "post", url, _body()).status_code == 403
    for user in ("disp_yx", "leader_yx"):  # out of scope: not told it exists
        r = call(world, user, "post", url, _body())
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert call(world, "disp_zt", "post", "/api/v1/insights/topics/t000000000000/taskforce", _body()).status_code == 404
    assert call(world, "disp_zt", "post", "/api/v1/insights/topics/" + "x" * 300 + "/taskforce", _body()).status_code == 404
    assert TaskForce.objects.count() == 0
    # a leader of the county may (the county-level topic of the same class)
    county = _topic(world, "leader_lk", "朱亭村停水")
    assert call(world, "disp_zt", "post", f"/api/v1/insights/topics/{county['id']}/taskforce",
                _body()).status_code == 404  # not a topic a township reads
    assert call(world, "leader_lk", "post", f"/api/v1/insights/topics/{county['id']}/taskforce",
                _body()).status_code == 201


def test_taskforce_list_get_notes_and_scope(world, scene):
    t = _topic(world, "leader_city", "朱亭村停水", "?region=430200")
    tf = call(world, "leader_city", "post", f"/api/v1/insights/topics/{t['id']}/taskforce", _body()).json()
    y = _topic(world, "leader_yx", "城东社区停水")
    tf_yx = call(world, "leader_yx", "post", f"/api/v1/insights/topics/{y['id']}/taskforce",
                 _body(lead="yx-water", members=[])).json()
    def ids(user):
        return {x["id"] for x in call(world, user, "get", "/api/v1/taskforces").json()["results"]}
    assert ids("leader_city") == {tf["id"], tf_yx["id"]}
    assert ids("disp_zt") == ids("leader_lk") == ids("water") == ids("ztoffice") == {tf["id"]}
    assert ids("leader_yx") == ids("yxwater") == {tf_yx["id"]}
    assert ids("rv_lk") == set() and ids("housing") == set()
    assert call(world, "disp_zt", "get", f"/api/v1/taskforces/{tf['id']}").status_code == 200
    assert call(world, "disp_yx", "get", f"/api/v1/taskforces/{tf['id']}").status_code == 404
    assert call(world, "disp_zt", "get", "/api/v1/taskforces/999999").status_code == 404
    assert call(world, "disp_zt", "get", "/api/v1/taskforces?page_size=1000").status_code == 422
    # notes: a member department's handler and a dispatcher in scope may write; others not
    url = f"/api/v1/taskforces/{tf['id']}/notes"
    assert call(world, "ztoffice", "post", url, {"text": "已完成管网摸排"}).status_code == 201
    assert call(world, "disp_zt", "post", url, {"text": "调度会已开"}).status_code == 201
    assert call(world, "rv_lk", "post", url, {"text": "x"}).status_code == 404
    assert call(world, "cadre_zt", "post", url, {"text": "x"}).status_code == 404
    assert call(world, "disp_yx", "post", url, {"text": "x"}).status_code == 404
    assert call(world, "disp_zt", "post", url, {"text": "  "}).status_code == 422
    assert call(world, "disp_zt", "post", url, {"text": "长" * 2001}).status_code == 422
    assert call(world, "disp_zt", "post", url, {}).status_code == 422
    assert call(world, "disp_zt", "post", url, {"text": "进展\x00"}).status_code == 422
    d = call(world, "leader_lk", "get", f"/api/v1/taskforces/{tf['id']}").json()
    assert [n["text"] for n in d["notes"]] == ["已完成管网摸排", "调度会已开"]
    assert TaskForceNote.objects.count() == 2
    assert TaskForceEvent.objects.filter(action="note").count() == 2


def test_closed_count_and_effect_on_intake(world, scene):
    now = timezone.now()
    for days in (10, 20, 30, 40):
        register(world, "朱亭村停水了", region=ZT, category="water_supply", at=now - dt.timedelta(days=days))
    t = _topic(world, "disp_zt", "朱亭村停水")
    tf = taskforces.create(world.actor("disp_zt"), t, lead="lk-water", members=[], due=timezone.localdate()
                           + dt.timedelta(days=30), goal="更换主管")
    TaskForce.objects.filter(pk=tf.pk).update(created_at=now - dt.timedelta(days=14))
    tf.refresh_from_db()
    # since then (two weeks): one case, in another place one that does not count
    register(world, "朱亭村还是停水", region=ZT, category="water_supply", at=now - dt.timedelta(days=3))
    register(world, "城东社区停水", region=YX, category="water_supply", actor="disp_yx")
    e = taskforces.effect(tf, now=now)
    # before (8 weeks up to 14 days ago): 20, 30, 40 days ago; after: the scene's 3, 10 and 3 days ago
    assert e["before"]["cases"] == 3 and e["after"]["cases"] == 5
    assert e["before"]["per_week"] == round(3 / 8, 2) and e["after"]["per_week"] == 2.5
    assert e["change"] == round((2.5 - 3 / 8) / (3 / 8), 3)
    TaskForce.objects.filter(pk=tf.pk).update(created_at=now - dt.timedelta(days=2))
    tf.refresh_from_db()
    assert taskforces.effect(tf, now=now)["change"] is None  # not a week yet: no comparison
    c = tf.topic.cases.order_by("pk").first()
    disp, water, rv = world.actor("disp_zt"), world.actor("water"), world.actor("rv_lk")
    actions.assign(disp, c, department="lk-water")
    actions.accept(water, c)
    actions.handle(water, c, result="已更换水管", disposition="solved")
    actions.visit_back(rv, c, rating="satisfied", score=9)
    p = taskforces.progress(tf)
    assert p["closed"] == 1 and p["cases"] == t["size"]
