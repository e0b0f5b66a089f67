"""``minqing check --deploy``: Django's deployment checks plus minqing's own.

Registered with ``deploy=True``, so they run only with ``--deploy`` (``minqing check`` alone
stays the quick development check). Errors make the command exit non-zero.

- minqing.E001  MINQING_SECRET_KEY unset: the key generated into the data directory is in use
- minqing.E002  the secret key is weak (short, few distinct characters, a known placeholder)
- minqing.E010  MINQING_PUBLIC_URL unset (or a loopback address)
- minqing.E011  MINQING_PUBLIC_URL is not https
- minqing.E020  the database does not answer
- minqing.W021  SQLite: fine for one person or a demo; PostgreSQL when several people work
- minqing.E030  MINQING_REDIS_URL is set and Redis does not answer PING
- minqing.W040  no worker heartbeat recorded (``minqing worker`` never ran against this database)
- minqing.E041  the last worker heartbeat is older than MINQING_WORKER_HEARTBEAT_MAX_AGE seconds

The worker's heartbeat is read through one function, ``worker_heartbeat()``: the task
engine's ``minqing.tasks.last_beat()`` when that exists, else what the ``heartbeat`` job
(``beat()``, settings.MINQING_WORKER_JOBS) wrote into the default cache, which is a database
table and so shared by every machine of a deployment.
"""

import datetime as dt
import os
import socket
import ssl
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core import checks
from django.utils import timezone

HEARTBEAT_KEY = "minqing:worker:heartbeat"
# Placeholders people paste into an environment file and forget.
_WEAK = {"changeme", "change-me", "secret", "secret_key", "secretkey", "minqing", "password", "django", "dev",
         "development", "test", "insecure", "please-change-me", "replace-me", "xxx"}
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


# -- the worker's heartbeat ------------------------------------------------------------------

def beat():
    """The worker's ``heartbeat`` job: record that a worker is alive, where, and when."""
    from django.core.cache import cache

    now = timezone.now()
    cache.set(HEARTBEAT_KEY, {"at": now.isoformat(), "host": socket.gethostname(), "pid": os.getpid()},
              timeout=None)
    return f"alive at {now:%H:%M:%S}"


def _engine_last_beat():
    """The task engine's own record (``minqing.tasks.last_beat()``, its ``WorkerBeat`` rows),
    when the engine is installed: ``(True, datetime or None)``; ``(False, None)`` without it."""
    try:
        from minqing import tasks
    except ImportError:
        return False, None
    last_beat = getattr(tasks, "last_beat", None)
    if last_beat is None:
        return False, None
    return True, last_beat()


def worker_heartbeat():
    """The last heartbeat of any worker: ``{"at": aware datetime, "host", "pid"}``, or None.

    The task engine's record when there is one (``minqing.tasks.last_beat``), else the
    ``heartbeat`` job's entry in the shared cache."""
    from django.core.cache import cache

    has_engine, at = _engine_last_beat()
    if has_engine and at is not None:
        return {"at": at, "host": "?", "pid": "?"}
    value = cache.get(HEARTBEAT_KEY)
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(value["at"])
    except (KeyError, TypeError, ValueError):
        return None
    return {**value, "at": at}


# -- the checks ------------------------------------------------------------------------------

def _is_weak(key):
    key = key or ""
    return (len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure")
            or key.strip().lower() in _WEAK)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs):
    errors = []
    key = settings.SECRET_KEY
    generated = settings.DATA_DIR / "secret_key"
    from_file = generated.exists() and generated.read_text().strip() == key
    if not os.environ.get("MINQING_SECRET_KEY") or from_file:
        errors.append(checks.Error(
            "MINQING_SECRET_KEY is not set: the key generated into the data directory "
            f"({generated}) is in use.",
            hint="Put a key of its own in /etc/minqing/env (every app server the same): "
                 "MINQING_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')",
            id="minqing.E001"))
    if _is_weak(key):
        errors.append(checks.Error(
            "The secret key is weak (fewer than 50 characters, fewer than 5 distinct ones, or a placeholder).",
            hint="Generate one: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
            id="minqing.E002"))
    return errors


def public_url_setting():
    """MINQING_PUBLIC_URL as the deployment configured it (the environment; "" when unset)."""
    return os.environ.get("MINQING_PUBLIC_URL", "").strip().rstrip("/")


@checks.register(checks.Tags.security, deploy=True)
def check_public_url(app_configs=None, **kwargs):
    url = public_url_setting()
    host = urlsplit(url).hostname if url else None
    if not url or host in _LOOPBACK:
        return [checks.Error(
            "MINQING_PUBLIC_URL is not set" + (f" (it names this machine: {url})" if url else "") + ": "
            "tracking links, QR codes and messages would point nowhere a reporter can reach, "
            "and any Host header would be answered.",
            hint="MINQING_PUBLIC_URL=https://minqing.example.gov.cn in /etc/minqing/env",
            id="minqing.E010")]
    if urlsplit(url).scheme != "https":
        return [checks.Error(
            f"MINQING_PUBLIC_URL is {url}: not https. Logins and reporters' phone numbers would travel in clear.",
            hint="Serve it through nginx with TLS (deploy/nginx/minqing.conf) and set the https URL.",
            id="minqing.E011")]
    return []


@checks.register(checks.Tags.database, deploy=True)
def check_database(app_configs=None, **kwargs):
    from django.db import connections

    conn = connections["default"]
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as e:  # noqa: BLE001 - any driver error means: not reachable
        return [checks.Error(f"The database does not answer: {type(e).__name__}: {str(e).strip()[:300]}",
                             hint="Check MINQING_DATABASE_URL and that the server runs.", id="minqing.E020")]
    if conn.vendor == "sqlite":
        return [checks.Warning(
            "The database is SQLite: fine for one person or a demo; with several people working at once, "
            "or several app servers, use PostgreSQL.",
            hint="MINQING_DATABASE_URL=postgres://minqing:PASSWORD@HOST:5432/minqing (scripts/postgres.sh)",
            id="minqing.W021")]
    return []


def redis_ping(url, timeout=3.0):
    """PING the Redis server of a redis:// or rediss:// URL; True or raises OSError/ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"not a redis:// URL: {parts.scheme}://…")
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout)
    try:
        if parts.scheme == "rediss":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
        sock.settimeout(timeout)

        def command(*args):
            payload = f"*{len(args)}\r\n".encode() + b"".join(
                f"${len(a.encode())}\r\n".encode() + a.encode() + b"\r\n" for a in args)
            sock.sendall(payload)
            reply = b""
            while not reply.endswith(b"\r\n"):
                chunk = sock.recv(512)
                if not chunk:
                    raise OSError("connection closed")
                reply += chunk
            return reply.decode(errors="replace").strip()

        if parts.password is not None:
            auth = ("AUTH", unquote(parts.username), unquote(parts.password)) if parts.username else (
                "AUTH", unquote(parts.password))
            reply = command(*auth)
            if not reply.startswith("+OK"):
                raise OSError(f"AUTH refused: {reply[:100]}")
        reply = command("PING")
        if reply != "+PONG":
            raise OSError(f"unexpected reply to PING: {reply[:100]}")
        return True
    finally:
        sock.close()


@checks.register(checks.Tags.caches, deploy=True)
def check_redis(app_configs=None, **kwargs):
    url = os.environ.get("MINQING_REDIS_URL", "").strip()
    if not url:
        return []
    try:
        redis_ping(url)
    except (OSError, ValueError) as e:
        parts = urlsplit(url)
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()  # never the password
        return [checks.Error(f"MINQING_REDIS_URL is set ({shown}) but Redis does not answer: {e}",
                             hint="Start Redis or unset MINQING_REDIS_URL.", id="minqing.E030")]
    return []


def heartbeat_max_age():
    return int(os.environ.get("MINQING_WORKER_HEARTBEAT_MAX_AGE", "600"))


@checks.register(deploy=True)
def check_worker(app_configs=None, **kwargs):
    try:
        beat_ = worker_heartbeat()
    except Exception:  # noqa: BLE001 - no cache table yet (unmigrated) or no database: E020 says so
        beat_ = None
    if beat_ is None:
        return [checks.Warning(
            "No worker heartbeat recorded: `minqing worker` has not run against this database "
            "(no deadline sweep, no webhooks, no messages sent).",
            hint="systemctl enable --now minqing-worker (deploy/systemd/minqing-worker.service)",
            id="minqing.W040")]
    age = (timezone.now() - beat_["at"]).total_seconds()
    if age > heartbeat_max_age():
        return [checks.Error(
            f"The last worker heartbeat is {int(age)} s old (from {beat_.get('host', '?')}, "
            f"pid {beat_.get('pid', '?')}): the worker has stopped or hangs.",
            hint="journalctl -u minqing-worker; systemctl restart minqing-worker",
            id="minqing.E041")]
    return []
