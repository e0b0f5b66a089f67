"""Shared state with MINQING_REDIS_URL: the cache, the public forms' rate limits and the API
token revocations are the same for every server process (here: this test process and a
second ``python`` process). Needs the Redis on 127.0.0.1:6379; each test uses its own key
prefix and deletes its keys."""

import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from django.core.cache import cache
from django.db import connection

from minqing.api import auth
from minqing.people.models import ApiToken, hash_token
from minqing.web import ratelimit

REDIS = os.environ.get("MINQING_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS}")
    return client


@pytest.fixture
def shared(settings):
    client = _redis()
    prefix = f"mqtest-{uuid.uuid4().hex[:10]}"
    settings.MINQING_REDIS_URL = REDIS
    settings.MINQING_CACHE_PREFIX = prefix
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS, "KEY_PREFIX": prefix}}
    auth.clear_token_cache()
    yield prefix
    auth.clear_token_cache()
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def _database_url():
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def other_process(code, prefix=None):
    """Run ``code`` in another Python process on the same database (and Redis prefix)."""
    env = dict(os.environ, MINQING_DATABASE_URL=_database_url(), DJANGO_SETTINGS_MODULE="minqing.settings")
    if prefix:
        env.update(MINQING_REDIS_URL=REDIS, MINQING_CACHE_PREFIX=prefix)
    else:
        env.pop("MINQING_REDIS_URL", None)
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_settings_use_redis_when_the_url_is_set():
    env = dict(os.environ, MINQING_REDIS_URL=REDIS, DJANGO_SETTINGS_MODULE="minqing.settings")
    code = ("import django; django.setup(); from django.conf import settings; from minqing import tasks; "
            "print(settings.CACHES['default']['BACKEND'], tasks.backend_name())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "redis"], out.stderr
    env.pop("MINQING_REDIS_URL")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "sqlite"], out.stderr


def test_the_cache_is_shared_between_processes(transactional_db, shared):
    other_process("from django.core.cache import cache\ncache.set('hello', '来自另一个进程', 60)", shared)
    assert cache.get("hello") == "来自另一个进程"


def test_a_rate_limit_counts_the_requests_of_every_server(transactional_db, shared, settings):
    settings.MINQING_WEB = {"REPORT_RATE": (5, 600)}
    other_process("""
        from django.conf import settings
        settings.MINQING_WEB = {"REPORT_RATE": (5, 600)}
        from minqing.web import ratelimit
        print([ratelimit.hit("report", "203.0.113.9", "REPORT_RATE") for _ in range(3)])
    """, shared)
    # three counted over there: two more pass here, the sixth is refused
    assert [ratelimit.hit("report", "203.0.113.9", "REPORT_RATE") for _ in range(3)] == [False, False, True]
    assert ratelimit.retry_after("REPORT_RATE", "report", "203.0.113.9") > 590
    assert ratelimit.hit("report", "198.51.100.1", "REPORT_RATE") is False  # another client


def _cached_token(world):
    raw = world.tokens["disp_zt"]
    assert auth.token_user(raw) is not None  # now cached in this process
    return raw, ApiToken.objects.get(key_hash=hash_token(raw)).pk


def test_a_token_revoked_on_another_server_is_refused_here_at_once(tworld, shared):
    raw, pk = _cached_token(tworld)
    other_process(f"""
        from minqing.api import auth
        from minqing.people.models import ApiToken
        auth.revoke(ApiToken.objects.get(pk={pk}))
    """, shared)
    assert auth.token_user(raw) is None  # well within MINQING_API_TOKEN_CACHE_SECONDS


def test_a_membership_change_on_another_server_is_seen_here_at_once(tworld, shared):
    raw, _pk = _cached_token(tworld)
    user_id = auth.token_user(raw)[0].pk
    other_process(f"""
        from django.contrib.auth import get_user_model
        u = get_user_model().objects.get(pk={user_id})
        u.is_active = False
        u.save()
    """, shared)
    assert auth.token_user(raw) is None


def test_without_redis_another_servers_revocation_waits_for_the_cache_time(tworld, settings):
    """The documented behaviour without Redis (and the contrast that shows the test above can fail)."""
    settings.MINQING_REDIS_URL = ""
    # a cache time longer than the other process takes to start on a loaded machine (it took
    # over the default 5 s under load, and the entry had expired before the check below)
    settings.MINQING_API_TOKEN_CACHE_SECONDS = 600
    auth.clear_token_cache()
    raw, pk = _cached_token(tworld)
    other_process(f"""
        from minqing.api import auth
        from minqing.people.models import ApiToken
        auth.revoke(ApiToken.objects.get(pk={pk}))
    """)
    assert auth.token_user(raw) is not None  # this process's cache still holds it …
    auth._cache.clear()  # … until it expires (token_cache_seconds)
    assert auth.token_user(raw) is None
    auth.clear_token_cache()
