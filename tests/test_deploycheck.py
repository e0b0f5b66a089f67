"""`minqing check --deploy`: each of minqing's own deployment checks raised and cleared
(secret key, public URL, database, Redis, worker heartbeat), and the command's exit status."""

import datetime as dt
import io
import os
import socket
import subprocess
import sys
import threading

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from minqing import deploycheck

GOOD_KEY = "kR3v9-Qz_7mWp2LxYt8NbHc4JdFs6GaUe1VoZiKwTyMnBq5XrPl"


@pytest.fixture(autouse=True)
def _no_async_unsafe(monkeypatch):
    """Playwright's page tests set DJANGO_ALLOW_ASYNC_UNSAFE in their process; Django's deploy check
    (rightly) calls it an error, so a check run after a page test in the same process would see it."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def ids(messages):
    return {m.id for m in messages}


@pytest.fixture
def prod_env(monkeypatch, settings):
    """An environment that passes every minqing check except the ones a test breaks."""
    monkeypatch.setenv("MINQING_SECRET_KEY", GOOD_KEY)
    settings.SECRET_KEY = GOOD_KEY
    monkeypatch.setenv("MINQING_PUBLIC_URL", "https://minqing.example.gov.cn")
    monkeypatch.delenv("MINQING_REDIS_URL", raising=False)
    return monkeypatch


# -- secret key ------------------------------------------------------------------------------

def test_generated_secret_key_is_an_error_until_one_is_set(prod_env, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    (tmp_path / "secret_key").write_text("x" * 10 + GOOD_KEY)
    prod_env.delenv("MINQING_SECRET_KEY")
    settings.SECRET_KEY = "x" * 10 + GOOD_KEY
    assert "minqing.E001" in ids(deploycheck.check_secret_key())
    # the same generated key pasted into the environment is still the generated one
    prod_env.setenv("MINQING_SECRET_KEY", "x" * 10 + GOOD_KEY)
    assert "minqing.E001" in ids(deploycheck.check_secret_key())
    prod_env.setenv("MINQING_SECRET_KEY", GOOD_KEY)
    settings.SECRET_KEY = GOOD_KEY
    assert deploycheck.check_secret_key() == []


@pytest.mark.parametrize("weak", ["changeme", "a" * 60, "django-insecure-" + GOOD_KEY, GOOD_KEY[:40]])
def test_weak_secret_key_is_an_error(prod_env, settings, weak):
    prod_env.setenv("MINQING_SECRET_KEY", weak)
    settings.SECRET_KEY = weak
    assert ids(deploycheck.check_secret_key()) == {"minqing.E002"}


# -- public URL ------------------------------------------------------------------------------

@pytest.mark.parametrize("url,expected", [
    ("", "minqing.E010"),
    ("http://127.0.0.1:8000", "minqing.E010"),
    ("https://localhost", "minqing.E010"),
    ("http://minqing.example.gov.cn", "minqing.E011"),
])
def test_public_url_unset_loopback_or_plain_http_is_an_error(prod_env, url, expected):
    prod_env.setenv("MINQING_PUBLIC_URL", url)
    assert ids(deploycheck.check_public_url()) == {expected}


def test_https_public_url_passes(prod_env):
    assert deploycheck.check_public_url() == []
    prod_env.delenv("MINQING_PUBLIC_URL")
    assert ids(deploycheck.check_public_url()) == {"minqing.E010"}


# -- database --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_sqlite_warns_postgres_recommended(prod_env):
    from django.db import connection

    found = ids(deploycheck.check_database())
    if connection.vendor == "sqlite":
        assert found == {"minqing.W021"}
    else:
        assert found == set()


@pytest.mark.django_db
def test_unreachable_database_is_an_error(prod_env, monkeypatch):
    from django.db import connections

    conn = connections["default"]

    def broken_cursor(*a, **k):
        raise conn.Database.OperationalError("connection refused")

    monkeypatch.setattr(conn, "cursor", broken_cursor)
    found = deploycheck.check_database()
    assert ids(found) == {"minqing.E020"}
    assert "connection refused" in found[0].msg


def test_unreachable_postgres_server_is_an_error_in_a_fresh_process(tmp_path):
    """No mock: a real PostgreSQL URL on a port where nothing listens, `minqing check --deploy` exits 1."""
    port = _free_port()
    env = {**os.environ, "MINQING_DATA_DIR": str(tmp_path), "MINQING_SECRET_KEY": GOOD_KEY,
           "MINQING_PUBLIC_URL": "https://minqing.example.gov.cn",
           "MINQING_DATABASE_URL": f"postgres://nobody:x@127.0.0.1:{port}/nothing"}
    env.pop("MINQING_REDIS_URL", None)
    proc = subprocess.run([sys.executable, "-m", "minqing", "check", "--deploy"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "minqing.E020" in proc.stderr


# -- Redis -----------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeRedis:
    """A socket server speaking just enough RESP: AUTH (one password) and PING."""

    def __init__(self, password=None):
        self.password = password
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.commands = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                authed = self.password is None
                buf = b""
                while True:
                    data = conn.recv(1024)
                    if not data:
                        break
                    buf += data
                    parts = buf.split(b"\r\n")
                    n = int(parts[0][1:])
                    if len(parts) < 2 * n + 2:
                        continue
                    args = [parts[2 + 2 * i].decode() for i in range(n)]
                    buf = b""
                    self.commands.append(args)
                    if args[0] == "AUTH":
                        authed = args[-1] == self.password
                        conn.sendall(b"+OK\r\n" if authed else b"-WRONGPASS invalid password\r\n")
                    elif args[0] == "PING":
                        conn.sendall(b"+PONG\r\n" if authed else b"-NOAUTH Authentication required.\r\n")

    def close(self):
        self.sock.close()


def test_redis_unset_is_not_checked(prod_env):
    assert deploycheck.check_redis() == []


def test_redis_set_but_down_is_an_error(prod_env):
    prod_env.setenv("MINQING_REDIS_URL", f"redis://:s3cret@127.0.0.1:{_free_port()}/0")
    found = deploycheck.check_redis()
    assert ids(found) == {"minqing.E030"}
    assert "s3cret" not in found[0].msg  # the password is never printed


def test_redis_answering_passes_and_wrong_password_fails(prod_env):
    server = FakeRedis(password="s3cret")
    try:
        prod_env.setenv("MINQING_REDIS_URL", f"redis://:s3cret@127.0.0.1:{server.port}/0")
        assert deploycheck.check_redis() == []
        assert ["PING"] in server.commands and ["AUTH", "s3cret"] in server.commands
        prod_env.setenv("MINQING_REDIS_URL", f"redis://:wrong@127.0.0.1:{server.port}/0")
        assert ids(deploycheck.check_redis()) == {"minqing.E030"}
    finally:
        server.close()


def test_real_redis_on_this_machine_if_any(prod_env):
    url = "redis://127.0.0.1:6379/0"
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prod_env.setenv("MINQING_REDIS_URL", url)
    assert deploycheck.check_redis() == []


# -- worker heartbeat ------------------------------------------------------------------------

@pytest.mark.django_db
def test_no_heartbeat_warns_then_a_beat_clears_it(prod_env):
    cache.delete(deploycheck.HEARTBEAT_KEY)
    assert ids(deploycheck.check_worker()) == {"minqing.W040"}
    deploycheck.beat()
    assert deploycheck.worker_heartbeat()["at"] <= timezone.now()
    assert deploycheck.check_worker() == []


@pytest.mark.django_db
def test_the_task_engines_record_is_read_when_there_is_one(prod_env, monkeypatch):
    """With minqing.tasks.last_beat (the task engine), its time is the heartbeat."""
    import types

    cache.delete(deploycheck.HEARTBEAT_KEY)
    engine = types.ModuleType("minqing.tasks")
    engine.last_beat = lambda: None
    monkeypatch.setitem(sys.modules, "minqing.tasks", engine)
    import minqing

    monkeypatch.setattr(minqing, "tasks", engine, raising=False)
    assert ids(deploycheck.check_worker()) == {"minqing.W040"}
    engine.last_beat = lambda: timezone.now() - dt.timedelta(hours=2)
    assert ids(deploycheck.check_worker()) == {"minqing.E041"}
    engine.last_beat = lambda: timezone.now()
    assert deploycheck.check_worker() == []


@pytest.mark.django_db
def test_stale_heartbeat_is_an_error(prod_env):
    old = timezone.now() - dt.timedelta(seconds=deploycheck.heartbeat_max_age() + 5)
    cache.set(deploycheck.HEARTBEAT_KEY, {"at": old.isoformat(), "host": "w1", "pid": 7}, timeout=None)
    found = deploycheck.check_worker()
    assert ids(found) == {"minqing.E041"} and "w1" in found[0].msg
    prod_env.setenv("MINQING_WORKER_HEARTBEAT_MAX_AGE", str(deploycheck.heartbeat_max_age() + 60))
    assert deploycheck.check_worker() == []
    cache.delete(deploycheck.HEARTBEAT_KEY)


@pytest.mark.django_db(transaction=True)
def test_the_worker_beats(prod_env, settings):
    """`minqing worker --once` with the settings' heartbeat job records a heartbeat
    (transactional: the worker closes and reopens its connection between jobs)."""
    cache.delete(deploycheck.HEARTBEAT_KEY)
    settings.MINQING_WORKER_JOBS = [j for j in settings.MINQING_WORKER_JOBS if j[0] == "heartbeat"]
    assert settings.MINQING_WORKER_JOBS, "the heartbeat job is missing from MINQING_WORKER_JOBS"
    call_command("worker", "--once", stdout=io.StringIO())
    assert deploycheck.worker_heartbeat() is not None
    cache.delete(deploycheck.HEARTBEAT_KEY)


# -- the command -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_check_deploy_fails_on_errors_and_passes_when_all_are_fixed(prod_env, settings):
    cache.delete(deploycheck.HEARTBEAT_KEY)
    prod_env.setenv("MINQING_PUBLIC_URL", "http://minqing.example.gov.cn")
    with pytest.raises(SystemCheckError) as e:
        call_command("check", "--deploy", stdout=io.StringIO(), stderr=io.StringIO())
    assert "minqing.E011" in str(e.value)
    # fixed: the errors are gone (Django's own and the SQLite/heartbeat warnings do not fail it)
    prod_env.setenv("MINQING_PUBLIC_URL", "https://minqing.example.gov.cn")
    settings.DEBUG = False
    out, err = io.StringIO(), io.StringIO()
    call_command("check", "--deploy", stdout=out, stderr=err)
    text = out.getvalue() + err.getvalue()
    assert "minqing.E0" not in text
    assert "minqing.W040" in text
    deploycheck.beat()
    out = io.StringIO()
    call_command("check", "--deploy", stdout=out, stderr=out)
    assert "minqing.W040" not in out.getvalue()
    cache.delete(deploycheck.HEARTBEAT_KEY)


def test_check_without_deploy_runs_none_of_them(prod_env):
    prod_env.setenv("MINQING_PUBLIC_URL", "")
    out = io.StringIO()
    call_command("check", stdout=out)
    assert "minqing.E010" not in out.getvalue()


def test_a_configured_production_passes_djangos_own_deploy_checks_too(tmp_path):
    """A fresh process with the production settings of deploy/env.example (https public URL,
    nginx trusted): secure cookies, HSTS and the https redirect are on, so Django's deploy
    checks no longer warn about them; the same process without them does."""
    base = {**os.environ, "MINQING_DATA_DIR": str(tmp_path)}
    base.pop("MINQING_REDIS_URL", None)
    base.pop("MINQING_PUBLIC_URL", None)
    base.pop("MINQING_TRUSTED_PROXIES", None)
    cmd = [sys.executable, "-m", "minqing", "check", "--deploy"]
    demo = subprocess.run(cmd, env=base, capture_output=True, text=True, timeout=120)
    prod = subprocess.run(cmd, env={**base, "MINQING_SECRET_KEY": GOOD_KEY, "MINQING_TRUSTED_PROXIES": "127.0.0.1",
                                    "MINQING_PUBLIC_URL": "https://minqing.example.gov.cn"},
                          capture_output=True, text=True, timeout=120)
    wanted = ("security.W004", "security.W008", "security.W012", "security.W016")
    assert demo.returncode == 1 and all(w in demo.stderr for w in wanted), demo.stderr
    assert "minqing.E001" in demo.stderr and "minqing.E010" in demo.stderr
    assert prod.returncode == 0, prod.stderr
    assert not any(w in prod.stderr for w in wanted) and "minqing.E0" not in prod.stderr, prod.stderr
