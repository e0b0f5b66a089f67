"""The patrol API over HTTP: POST /api/v1/patrols (201, then 200 on a retry with the client key),
422 naming the field, photos by multipart with type and size limits, the list in scope, figures."""

import datetime as dt
import io

import pytest
from PIL import Image

from minqing.cases.models import Case

from .conftest import answers, make_cadre


@pytest.fixture
def papi(api, tworld):
    from minqing.patrols import defaults

    defaults.install()
    make_cadre(tworld, "wang", name="王强")
    return api


def body(**kw):
    out = {"cadre": "wang", "region": "430212101201", "date": dt.date.today().isoformat(), "checklist": "enterprise",
           "items": answers("enterprise", ("fire_exits",), {"fire_exits": "后门上锁"})}
    out.update(kw)
    return out


def test_post_patrol_registers_hazards_and_is_idempotent(papi):
    r = papi("wang").post("/patrols", json=body(client_key="k-1"))
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["hazards"] == 1 and p["checklist"] == "enterprise" and p["cadre_name"] == "王强"
    failed = [i for i in p["items"] if not i["ok"]]
    assert len(failed) == 1 and failed[0]["case"]["state"] == "registered" and failed[0]["note"] == "后门上锁"
    case = Case.objects.get(pk=failed[0]["case"]["id"])
    assert case.channel == "patrol" and case.category.code == "fire_safety"
    again = papi("wang").post("/patrols", json=body(client_key="k-1"))
    assert again.status_code == 200 and again.json()["id"] == p["id"]
    assert Case.objects.count() == 1
    # readable in scope, not outside it
    assert papi("disp_zt").get(f"/patrols/{p['id']}").status_code == 200
    assert papi("disp_yx").get(f"/patrols/{p['id']}").status_code == 404
    assert papi("disp_lk").get("/patrols", params={"hazards": True}).json()["count"] == 1
    assert papi("disp_yx").get("/patrols").json()["count"] == 0
    # the case is in the loop: the township dispatcher sees it
    assert papi("disp_zt").get(f"/cases/{case.pk}").status_code == 200


@pytest.mark.parametrize("change,field", [
    ({"checklist": "nope"}, "checklist"),
    ({"region": "999"}, "region"),
    ({"date": "2999-01-01"}, "date"),
    ({"items": [{"item": "fire_exits", "ok": True}]}, "items"),
    ({"subject": "NOPE"}, "subject"),
    ({"client_key": "a b"}, "client_key"),
])
def test_bad_input_is_422_with_field(papi, change, field):
    r = papi("wang").post("/patrols", json=body(**change))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field, r.json()


def test_limits(papi):
    r = papi("wang").post("/patrols", json=body(items=[{"item": "x" * 65, "ok": True}]))
    assert r.status_code == 422 and r.json()["field"] == "items.0.item"
    r = papi("wang").post("/patrols", json=body(items=[{"item": "fire_exits", "ok": "maybe"}]))
    assert r.status_code == 422
    assert papi("wang").get("/patrols/99999999").status_code == 404
    assert papi("wang").get(f"/patrols/{2**63}").status_code == 422
    assert papi().post("/patrols", json=body()).status_code == 401
    assert papi("cadre_zt").post("/patrols", json=body()).status_code == 403


def _jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buf, "JPEG")
    return buf.getvalue()


def test_photos_multipart(papi, settings):
    p = papi("wang").post("/patrols", json=body()).json()
    url = f"/patrols/{p['id']}/photos"
    r = papi("wang").post(url, files={"file": ("x.jpg", _jpeg(), "image/jpeg")}, data={"item": "fire_exits"})
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/jpeg"
    got = papi("wang").get(f"/patrols/{p['id']}").json()
    assert got["photos"][0]["item"] == "fire_exits"
    r = papi("wang").post(url, files={"file": ("x.jpg", b"GIF89a<script>", "image/jpeg")})
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = papi("wang").post(url, data={"item": "fire_exits"})
    assert r.status_code == 422
    settings.MINQING_API_MAX_UPLOAD = 1000
    r = papi("wang").post(url, files={"file": ("x.jpg", b"0" * 5000, "image/jpeg")})
    assert r.status_code == 413
    assert papi("disp_yx").post(url, files={"file": ("x.jpg", _jpeg(), "image/jpeg")}).status_code == 404


def test_checklists_and_figures(papi):
    papi("wang").post("/patrols", json=body())
    cl = {c["code"]: c for c in papi("wang").get("/checklists").json()["results"]}
    assert cl["enterprise"]["items"][0]["category"]
    f = papi("disp_lk").get("/patrols/figures", params={"region": "430212"}).json()
    assert f["total"]["found"] == 1 and f["by_checklist"][0]["checklist"] == "enterprise"
    assert f["by_region"][0]["region"] == "430212101"
    assert papi("disp_yx").get("/patrols/figures", params={"region": "430212"}).status_code == 403
    assert papi("disp_lk").get("/patrols/figures", params={"region": "nope"}).status_code == 422
    assert papi("leader_city").get("/patrols/figures").json()["region"] == "430200"


def test_the_stats_carry_hazards_and_partners(papi):
    """/api/v1/stats reports the patrols' hazards (found, fixed) and the partners' wishes beside
    the other figures, equal to /patrols/figures and /partners/figures of the same scope."""
    papi("wang").post("/patrols", json=body())
    s = papi("disp_lk").get("/stats", params={"region": "430212"}).json()
    f = papi("disp_lk").get("/patrols/figures", params={"region": "430212"}).json()
    assert s["patrols"] == f["total"] and s["patrols"]["found"] == 1
    assert s["partners"]["partners"] == 0 and s["partners"]["wishes"]["registered"] == 0
    assert papi("disp_yx").get("/stats", params={"region": "430223"}).json()["patrols"]["found"] == 0
