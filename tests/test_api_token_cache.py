"""The API's per-process bearer-token cache (api/auth.py) and the registration fast path:
a cached token costs no query, and revoking it, deactivating its user or changing the
user's roles takes effect at once in this process; a change made behind the ORM's back
(as another server process would see it) within the cache's lifetime."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minqing.api import auth
from minqing.cases import actions
from minqing.people.models import ApiToken, Membership, hash_token
from minqing.people.scoping import Actor

BODY = {"text": "朱亭村自来水停了三天", "channel": "hotline", "kind": "complaint", "category": "water_supply",
        "region": "430212101201", "reporter_name": "张三", "reporter_phone": "13812340000"}


@pytest.fixture(autouse=True)
def _empty_cache():
    auth.clear_token_cache()
    yield
    auth.clear_token_cache()


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: now[0])
    return now


def client(world, who):
    return Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens[who]}")


def get_cases(world, who):
    return client(world, who).get("/api/v1/cases")


def auth_queries(captured):
    return [q["sql"] for q in captured if "people_apitoken" in q["sql"] or "people_membership" in q["sql"]]


def test_a_cached_token_costs_no_query(world):
    assert get_cases(world, "disp_zt").status_code == 200
    with CaptureQueriesContext(connection) as q:
        assert get_cases(world, "disp_zt").status_code == 200
    assert auth_queries(q.captured_queries) == []


def test_cache_off_reads_the_token_every_time(world, settings):
    settings.MINQING_API_TOKEN_CACHE_SECONDS = 0
    assert get_cases(world, "disp_zt").status_code == 200
    with CaptureQueriesContext(connection) as q:
        assert get_cases(world, "disp_zt").status_code == 200
    assert len(auth_queries(q.captured_queries)) == 2


def test_revoking_a_token_takes_effect_at_once(world):
    assert get_cases(world, "disp_zt").status_code == 200
    auth.revoke(ApiToken.objects.get(key_hash=hash_token(world.tokens["disp_zt"])))
    r = get_cases(world, "disp_zt")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    assert get_cases(world, "disp_lk").status_code == 200


def test_deleting_a_token_or_deactivating_its_user_takes_effect_at_once(world):
    for who in ("disp_zt", "disp_lk"):
        assert get_cases(world, who).status_code == 200
    ApiToken.objects.get(key_hash=hash_token(world.tokens["disp_zt"])).delete()
    assert get_cases(world, "disp_zt").status_code == 401
    user = world.users["disp_lk"]
    user.is_active = False
    user.save()
    assert get_cases(world, "disp_lk").status_code == 401


def test_a_revocation_another_process_made_is_seen_when_the_entry_expires(world, clock):
    assert get_cases(world, "disp_zt").status_code == 200
    # written behind this process's back: no signal reaches its cache
    ApiToken.objects.filter(key_hash=hash_token(world.tokens["disp_zt"])).update(revoked_at=timezone.now())
    clock[0] += auth.token_cache_seconds() - 0.5
    assert get_cases(world, "disp_zt").status_code == 200
    clock[0] += 1
    assert get_cases(world, "disp_zt").status_code == 401


def test_a_changed_role_takes_effect_at_once(world):
    case = actions.register(Actor.system(), **BODY)
    ids = lambda: [c["id"] for c in get_cases(world, "disp_zt").json()["results"]]  # noqa: E731
    assert ids() == [case.pk]
    Membership.objects.filter(user=world.users["disp_zt"]).delete()  # a queryset delete sends post_delete
    assert ids() == []
    Membership.objects.create(user=world.users["disp_zt"], role="dispatcher", region=world.regions["430212101"])
    assert ids() == [case.pk]


def test_a_cached_actor_has_the_roles_of_the_token_user(world):
    r = client(world, "water").post("/api/v1/cases", json.dumps(BODY), content_type="application/json")
    assert r.status_code == 201
    # a handler of the water bureau is not among those who must call the reporter: masked
    assert r.json()["reporter_name"] == "张*" and r.json()["reporter_phone"] == "138****0000"
    r = client(world, "disp_zt").post("/api/v1/cases", json.dumps(BODY), content_type="application/json")
    assert r.json()["reporter_name"] == "张三"


def test_registration_answer_is_utf8_json_without_a_co_department_query(world):
    c = client(world, "disp_zt")
    # the token, the region and the category are cached after a first registration
    assert c.post("/api/v1/cases", json.dumps(BODY), content_type="application/json").status_code == 201
    with CaptureQueriesContext(connection) as q:
        r = c.post("/api/v1/cases", json.dumps(BODY), content_type="application/json")
    assert r.status_code == 201
    assert r["Content-Type"] == "application/json; charset=utf-8"
    assert "朱亭村自来水停了三天".encode() in r.content  # not \\u-escaped, as the API's renderer writes it
    assert r.json()["co_departments"] == [] and r.json()["state"] == "registered"
    sql = [x["sql"] for x in q.captured_queries]
    assert not [s for s in sql if "co_departments" in s], sql
    assert not [s for s in sql if s.startswith("SELECT")], sql


def test_sqlite_checkpoints_every_10000_wal_pages(monkeypatch, tmp_path):
    """The SQLite options settings.py builds (whatever database this run uses) take effect."""
    import sqlite3

    from minqing import settings as project_settings

    path = tmp_path / "x.sqlite3"
    monkeypatch.setenv("MINQING_DATABASE_URL", f"sqlite:///{path}")
    options = project_settings._database()["OPTIONS"]
    conn = sqlite3.connect(path)
    try:
        for statement in filter(None, (s.strip() for s in options["init_command"].split(";"))):
            conn.execute(statement)
        pragma = lambda name: conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
        assert pragma("journal_mode") == "wal" and pragma("synchronous") == 1  # NORMAL
        assert pragma("wal_autocheckpoint") == 10000
        assert pragma("journal_size_limit") == 64 * 1024 * 1024
    finally:
        conn.close()
