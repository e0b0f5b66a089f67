"""/api/v1/regions and /api/v1/departments over real HTTP."""

import httpx
import pytest


@pytest.fixture
def get(tworld, live_server):
    def call(path, **params):
        return httpx.get(live_server.url + "/api/v1" + path, params=params, timeout=30,
                         headers={"Authorization": f"Bearer {tworld.tokens['cadre_zt']}"})
    return call


def test_regions(get):
    top = get("/regions", level="province").json()
    assert [r["code"] for r in top["results"]] == ["430000"]
    children = get("/regions", parent="430212").json()
    assert [r["code"] for r in children["results"]] == ["430212101", "430212102"]
    one = get("/regions/430212101201").json()
    assert one["level"] == "village" and one["parent"] == "430212101"
    assert [r["code"] for r in one["path"]] == ["430000", "430200", "430212", "430212101", "430212101201"]
    assert [c["code"] for c in one["children"]] == ["430212101201-G1"]
    assert get("/regions", q="朱亭").json()["count"] == 3
    page = get("/regions", page_size=4, page=3).json()
    assert page["count"] == 11 and len(page["results"]) == 3
    assert get("/regions/000").status_code == 404
    assert get("/regions", level="planet").json()["field"] == "level"
    assert get("/regions", parent="000").json()["field"] == "parent"


def test_departments(get):
    all_ = get("/departments").json()
    assert all_["count"] == 5
    lk = get("/departments", region="430212").json()
    assert {d["code"] for d in lk["results"]} == {"lk-water", "lk-roads", "lk-housing", "zt-office"}
    water = get("/departments", category="water_supply").json()
    assert {d["code"] for d in water["results"]} == {"lk-water", "yx-water"}
    one = get("/departments/lk-roads").json()
    assert one["region"] == "430212" and set(one["categories"]) == {"roads_transport", "municipal_facilities"}
    assert get("/departments/none").status_code == 404
    assert get("/departments", region="000").status_code == 422
