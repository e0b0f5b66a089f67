"""Fixtures for the insight tests: fresh caches per test, fast password hashing, API calls."""

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _fresh_insight_caches(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from minqing.insights import analyze, classify, places

    analyze.clear_route_cache()
    places.invalidate()
    places._state["index"] = None
    classify.invalidate()
    classify._cache["catalog"] = None
    yield
    places._state["index"] = None
    classify._cache["catalog"] = None


def call(world, user, method, url, json=None):
    c = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[user]}"} if user else {}
    if method == "get":
        return c.get(url, **headers)
    return getattr(c, method)(url, data=json, content_type="application/json", **headers)


def register(world, text, actor="disp_zt", **kw):
    from minqing.cases import actions

    data = dict(text=text, channel="hotline", kind="complaint")
    data.update(kw)
    return actions.register(world.actor(actor), **data)


SMALL_TRAINING = [
    ("朱亭村停水三天了没人管", "water_supply"), ("自来水发黄有沉淀不敢喝", "water_supply"),
    ("水压太小三楼上不去水", "water_supply"), ("晚上经常没水也不通知", "water_supply"),
    ("路面坑坑洼洼下雨全是积水", "roads_transport"), ("公交车班次太少等不到车", "roads_transport"),
    ("路口没有红绿灯货车开得快", "roads_transport"), ("村道被重车压烂了", "roads_transport"),
    ("楼道里堆满杂物还有人充电", "fire_safety"), ("消防通道被私家车堵死", "fire_safety"),
    ("灭火器过期消防栓没水", "fire_safety"), ("出租屋里全是易燃泡沫怕起火", "fire_safety"),
    ("老板拖欠工资半年不给", "labour_rights"), ("工地欠农民工工钱", "labour_rights"),
    ("加班不给加班费", "labour_rights"), ("受伤了老板不给报工伤", "labour_rights"),
    ("接到冒充公检法的诈骗电话", "public_security"), ("出租屋里聚众赌博", "public_security"),
    ("电动车被偷了小区没监控", "public_security"), ("有人喝醉了在小区闹事", "public_security"),
]
