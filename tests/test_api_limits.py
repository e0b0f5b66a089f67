"""No 500 on any input (issue 10, point 4), over real HTTP: ids and page numbers past the
database's 64-bit range, negative or not numbers are a 422 with the field; a body over
MINQING_API_MAX_BODY (and one Django itself refuses to read) is a 413 ``too_large``; the
OpenAPI document declares every operation's error responses with the error schema, a
maxLength on every string input and a range on every integer."""

import httpx
import pytest
from casebuild import register

BIG = 2**63  # one past the largest bigint
HUGE = 10**30


@pytest.fixture
def api(tworld, live_server):
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=60,
                      headers={"Authorization": f"Bearer {tworld.tokens['admin']}"}) as client:
        yield client


def _invalid(r, field=None):
    assert r.status_code == 422, (r.status_code, r.text)
    body = r.json()
    assert body["code"] == "invalid" and body["message"], body
    if field:
        assert body["field"] == field, body


@pytest.mark.parametrize("value", [BIG, HUGE, -1, 0, "abc", "1.5", "9" * 400])
def test_path_ids_out_of_range_are_422(api, value):
    _invalid(api.get(f"/cases/{value}"))
    _invalid(api.post(f"/cases/{value}/accept", json={}))
    _invalid(api.post(f"/cases/{value}/progress", json={"note": "进展"}))
    _invalid(api.get(f"/insights/cases/{value}/duplicates"))
    _invalid(api.post(f"/tasks/{value}/complete", json={"outcome": "完成"}))
    _invalid(api.post(f"/insights/topics/{value}/adopt", json={"policy": "政策"}))


def test_the_largest_id_is_a_404(api):
    r = api.get(f"/cases/{BIG - 1}")
    assert r.status_code == 404 and r.json()["code"] == "not_found", r.text


@pytest.mark.parametrize("path", ["/cases", "/regions", "/tasks", "/effects", "/visits", "/subjects"])
@pytest.mark.parametrize("page", [BIG, HUGE, -5, 0, "x"])
def test_page_numbers_out_of_range_are_422(api, path, page):
    _invalid(api.get(path, params={"page": page}), "page")


def test_page_sizes_out_of_range_are_422(api):
    for value in (0, -1, BIG, 10**6):
        _invalid(api.get("/cases", params={"page_size": value}), "page_size")


def test_ids_in_bodies_out_of_range_are_422(api, tworld):
    case = register(tworld)
    _invalid(api.post("/tasks", json={"title": "排查", "department": "lk-water", "cases": [case.pk, BIG]}))
    _invalid(api.post("/insights/topics", json={"title": "停水", "case_ids": [HUGE]}))
    _invalid(api.post(f"/cases/{case.pk}/merge", json={"into": BIG}), "into")
    _invalid(api.post(f"/cases/{case.pk}/visit_back", json={"score": HUGE}), "score")
    # coordinates: a number, in range
    body = {"text": "停水", "channel": "hotline", "kind": "complaint", "region": "430212101201"}
    raw = '{"text": "停水", "channel": "hotline", "kind": "complaint", "lat": 1e999}'  # parses to inf
    _invalid(api.post("/cases", content=raw.encode(), headers={"Content-Type": "application/json"}), "lat")
    _invalid(api.post("/cases", content=raw.replace("1e999", "NaN").encode(),
                      headers={"Content-Type": "application/json"}), "lat")
    _invalid(api.post("/cases", json={**body, "lng": 500}), "lng")


def test_strings_over_their_limit_are_422(api, tworld):
    body = {"text": "停水" * 3000, "channel": "hotline", "kind": "complaint", "region": "430212101201"}
    _invalid(api.post("/cases", json=body), "text")
    _invalid(api.get("/cases", params={"q": "水" * 201}), "q")
    _invalid(api.get("/regions/" + "4" * 65))


def test_a_body_over_the_limit_is_413(api, tworld, settings):
    big = {"text": "停" * 1_300_000, "channel": "hotline", "kind": "complaint"}  # ≈ 3.9 MB of UTF-8
    r = api.post("/cases", json=big)
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "too_large" and r.json()["message"]
    settings.MINQING_API_MAX_BODY = 2000
    body = {"text": "停水" * 100, "channel": "hotline", "kind": "complaint", "region": "430212101201"}
    assert api.post("/cases", json=body).status_code == 201
    body["address"] = "朱亭村" * 300
    r = api.post("/cases", json=body)
    assert r.status_code == 413 and r.json()["code"] == "too_large", r.text
    # a body Django itself will not read (its DATA_UPLOAD_MAX_MEMORY_SIZE) is a 413 too, not a 500
    settings.MINQING_API_MAX_BODY = 10_000_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = api.post("/cases", json=body)
    assert r.status_code == 413 and r.json()["code"] == "too_large", r.text


def test_openapi_declares_errors_and_limits(api):
    doc = api.get("/openapi.json").json()
    assert "Error" in doc["components"]["schemas"]
    assert set(doc["components"]["schemas"]["Error"]["required"]) == {"code", "message"}
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(operations) >= 50
    unbounded = []

    def walk(where, schema):
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            walk(where, doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
            return
        kind = schema.get("type")
        if kind == "string" and "maxLength" not in schema and "format" not in schema and "enum" not in schema:
            unbounded.append(where)
        if kind == "integer" and ("maximum" not in schema or "minimum" not in schema):
            unbounded.append(where)
        if kind == "array" and "maxItems" not in schema:
            unbounded.append(where)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                walk(where, sub)
        for name, sub in schema.get("properties", {}).items():
            walk(f"{where}.{name}", sub)
        walk(f"{where}[]", schema.get("items"))

    for path, method, op in operations:
        label = f"{method.upper()} {path}"
        responses = op["responses"]
        errors = {"401", "403"} if op.get("security", doc.get("security")) != [] and "card" not in path else set()
        for status in {"400", "404", "413", "422"} | errors:
            assert status in responses, (label, status, sorted(responses))
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/Error"), (label, status, ref)
        assert any(s.startswith("2") for s in responses), label
        for p in op.get("parameters", []):
            walk(f"{label} {p['name']}", p["schema"])
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        walk(f"{label} body", body)
    assert not unbounded, unbounded
