"""挂图作战: GET /api/v1/map over HTTP (scoped, 422 on a bad metric) and the outlines' lookup."""


import pytest
from casebuild import register
from django.test import Client

from minqing.geo import boundaries, mapdata


def get(world, user, url):
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {world.tokens[user]}")


@pytest.fixture
def mw(world):
    # the package still names 渌口区 by its old name 株洲县: the region's alias finds its outline
    lk = world.regions["430212"]
    lk.aliases = ["株洲县"]
    lk.save()
    return world


def test_map_counts_intake_per_county(mw):
    for _ in range(2):
        register(mw, text="朱亭村自来水停水三天", region="430212101201")
    register(mw, text="城东社区路灯坏了", region="430223100001", actor="disp_yx")
    r = get(mw, "leader_city", "/api/v1/map?region=430200&metric=intake")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["type"] == "FeatureCollection"
    props = {f["properties"]["code"]: f["properties"] for f in body["features"]}
    assert set(props) == {"430212", "430223"}
    assert props["430212"]["value"] == 2 and props["430223"]["value"] == 1
    assert props["430212"]["name"] == "渌口区"
    assert set(props["430212"]) >= {"code", "name", "value"}


@pytest.mark.skipif(not boundaries.available(), reason="frontend/install.sh has not built the boundaries")
def test_map_has_county_outlines_by_name_and_alias(mw):
    body = get(mw, "leader_city", "/api/v1/map?region=430200&metric=red").json()
    shapes = {f["properties"]["code"]: f["geometry"] for f in body["features"]}
    assert shapes["430223"]["type"] in ("Polygon", "MultiPolygon")  # 攸县 by its name
    assert shapes["430212"]["type"] in ("Polygon", "MultiPolygon")  # 渌口区 by its alias 株洲县
    assert body["boundaries"] is True
    # 攸县 lies south of 株洲县: its outline's latitudes are lower
    def lats(g):
        rings = g["coordinates"] if g["type"] == "Polygon" else [r for p in g["coordinates"] for r in p]
        return [pt[1] for ring in rings for pt in ring]
    assert max(lats(shapes["430223"])) < max(lats(shapes["430212"]))


def test_map_is_scoped_and_validates(mw):
    assert get(mw, "leader_yx", "/api/v1/map?region=430212&metric=intake").status_code == 403
    own = get(mw, "leader_yx", "/api/v1/map?metric=intake").json()
    assert [f["properties"]["code"] for f in own["features"]] == ["430223"]
    bad = get(mw, "leader_city", "/api/v1/map?region=430200&metric=happiness")
    assert bad.status_code == 422 and bad.json()["field"] == "metric"
    assert get(mw, "leader_city", "/api/v1/map?region=999&metric=red").status_code == 422
    assert get(mw, "water", "/api/v1/map?metric=red").status_code == 403
    assert Client().get("/api/v1/map?metric=red").status_code == 401


def test_map_points_and_satisfaction(mw):
    from minqing.cases.models import Case

    c = register(mw, text="朱亭村路面塌陷", region="430212101201")
    Case.objects.filter(pk=c.pk).update(lat=27.45678, lng=113.12345)
    body = get(mw, "leader_city", "/api/v1/map?region=430200&metric=satisfaction").json()
    assert [p["code"] for p in body["points"] if p["kind"] == "case"] == [c.tracking_code]
    assert all(f["properties"]["value"] is None for f in body["features"])  # no return visit yet
    # another county's leader does not see the point
    assert get(mw, "leader_yx", "/api/v1/map?metric=intake").json()["points"] == []
    # the public variant rounds the position
    pub = mapdata.build(mw.regions["430200"], "intake", cases_qs=Case.objects.all(), public=True)
    assert pub["points"][0]["lat"] == 27.457 and "code" not in pub["points"][0]
