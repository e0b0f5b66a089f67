"""Django settings, configured by environment variables only.

MINQING_DATABASE_URL  default: sqlite file in the data directory; postgres://… for PostgreSQL
MINQING_DATA_DIR      default: ./data
MINQING_SECRET_KEY    default: a key generated once and kept in the data directory
MINQING_DEBUG         default: off
MINQING_PUBLIC_URL    default: none (the demo: localhost, 127.0.0.1); https://host of the deployment
MINQING_TRUSTED_PROXIES  default: none; comma-separated IPs/CIDRs of reverse proxies
MINQING_REDIS_URL     default: none; redis://host:6379/0 shares cache, rate limits, token revocations, job queue
"""

import datetime as dt
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("MINQING_DATA_DIR", "./data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key():
    key = os.environ.get("MINQING_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("MINQING_DEBUG")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("MINQING_CSRF_TRUSTED_ORIGINS", "").split(",") if o]


def _public_url():
    """MINQING_PUBLIC_URL as scheme://host[:port] (no path), or "" when unset."""
    raw = os.environ.get("MINQING_PUBLIC_URL", "").strip().rstrip("/")
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"MINQING_PUBLIC_URL must look like https://host[:port], not {raw!r}")
    return f"{parts.scheme}://{parts.netloc}"


# The public edge (web/edge.py, web/middleware.py). With MINQING_PUBLIC_URL, the only Host
# accepted is its host (any other answers 400) and every absolute link (tracking links, QR
# codes, Open311 discovery, request.build_absolute_uri) starts with it. Without it (the demo)
# localhost, 127.0.0.1 and [::1] are served and links follow the request's own host.
# MINQING_ALLOWED_HOSTS adds hosts (comma-separated) in both cases, e.g. a LAN address.
MINQING_PUBLIC_URL = _public_url()
if MINQING_PUBLIC_URL:
    ALLOWED_HOSTS = [urlsplit(MINQING_PUBLIC_URL).hostname]
    # behind a TLS-terminating proxy Django sees http: the browser's https Origin is trusted here
    CSRF_TRUSTED_ORIGINS.append(MINQING_PUBLIC_URL)
    if MINQING_PUBLIC_URL.startswith("https://"):
        SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
else:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS += [h.strip() for h in os.environ.get("MINQING_ALLOWED_HOSTS", "").split(",") if h.strip()]
# X-Forwarded-For is believed only from these peers (REMOTE_ADDR); the client is the
# right-most address in it that is not one of them.
MINQING_TRUSTED_PROXIES = os.environ.get("MINQING_TRUSTED_PROXIES", "")
# Production behind TLS (deploy/nginx/): cookies only over https, and the proxy's
# X-Forwarded-Proto says the request came over https (only with trusted proxies configured:
# the app then listens where nothing but the proxies reach it). `minqing check --deploy`.
if MINQING_PUBLIC_URL.startswith("https://"):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("MINQING_HSTS_SECONDS", "31536000"))
    if MINQING_TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SECURE_SSL_REDIRECT = True
# Content-Security-Policy of every response (web/middleware.py); no inline scripts anywhere.
MINQING_CSP = os.environ.get("MINQING_CSP") or (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # API docs from django-ninja's own static swagger-ui, no CDN
    "axes",  # failed-login limits
    "minqing.regions",
    "minqing.people",
    "minqing.cases",
    "minqing.supervision",
    "minqing.insights",
    "minqing.intake",
    "minqing.visits",
    "minqing.ideas",
    "minqing.surveys",
    "minqing.api",
    "minqing.notices",
    "minqing.web",
    "minqing.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Host check, public links, client address behind trusted proxies, Content-Security-Policy
    "minqing.web.middleware.PublicEdgeMiddleware",
    "minqing.api.errors.BodyLimitMiddleware",  # 413 for an API body over MINQING_API_MAX_BODY
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese unless the person chose English with the switch (not the browser's Accept-Language)
    "minqing.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the 429 page
]

ROOT_URLCONF = "minqing.urls"
WSGI_APPLICATION = "minqing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def _database():
    url = os.environ.get("MINQING_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'minqing.sqlite3'}"
    # Persistent connections on SQLite too: a connection closed after every request throws
    # away its page cache, and closing the last connection checkpoints and removes the WAL
    # (with an fsync) — most of a request's time. Health checks drop a broken connection.
    db = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["OPTIONS"] = {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the
            # write lock at BEGIN so two writers queue instead of deadlocking.
            # synchronous=NORMAL (in WAL): a commit is not fsynced, the WAL is at each
            # checkpoint. The database is never corrupted, and a crashed process loses
            # nothing it committed; a power loss or OS crash can lose the last commits
            # the kernel had not yet written back (seconds' worth).
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-65536;"
                "PRAGMA temp_store=MEMORY;"
                # Checkpoint every 10,000 WAL pages (~40 MB) instead of 1,000: a registration
                # rewrites ~27 pages (case, event and their indexes), mostly the same hot index
                # pages, which a checkpoint copies back once however often they were rewritten
                # (server CPU per HTTP registration 2.5 -> 2.2 ms). The WAL file is cut back to
                # 64 MB after a checkpoint if it ever grew past that.
                "PRAGMA wal_autocheckpoint=10000;"
                "PRAGMA journal_size_limit=67108864;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests use a file (one per process), not memory, so that threads and a
        # live server see the same database and concurrency is real.
        db.setdefault("TEST", {"NAME": str(DATA_DIR / f"test_minqing_{os.getpid()}.sqlite3")})
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first (web/hashers.py): one login costs ~30 ms of CPU instead of PBKDF2's ~350 ms
# (bench/login.py); a PBKDF2 hash is rewritten as Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "minqing.web.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "minqing.web.edge.LoginAttemptsBackend",  # django-axes: refuses a locked account or address
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins (django-axes): after MINQING_LOGIN_FAILURE_LIMIT failures (default 5) the
# account, and separately the client address, is locked for MINQING_LOGIN_LOCK_MINUTES
# (default 15): /login/ and the admin's login answer 429. Attempts during the lock do not
# extend it. Admins see and delete locks in the admin (Axes › Access attempts), or run
# `minqing axes_reset` (all), `minqing axes_reset_username NAME`, `minqing axes_reset_ip IP`.
AXES_FAILURE_LIMIT = int(os.environ.get("MINQING_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("MINQING_LOGIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "minqing.web.edge.axes_client_ip"
AXES_USERNAME_CALLABLE = "minqing.web.edge.axes_username"
AXES_LOCKOUT_CALLABLE = "minqing.web.views.account.locked_out"
AXES_VERBOSE = False  # no banner at start; the lock and the unlock are logged by minqing.web.edge

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# `minqing collectstatic` fills it (nginx may serve it); whitenoise warns "No directory at"
# on every start while it does not exist, so it always does.
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
# The largest request body the API reads (bytes); over it a 413 ``too_large``.
MINQING_API_MAX_BODY = int(os.environ.get("MINQING_API_MAX_BODY", 1 << 20))
MEDIA_URL = "/media/"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Shared state (minqing/tasks.py, web/ratelimit.py, api/auth.py): with MINQING_REDIS_URL
# (redis://host:6379/0) the cache (so the rate limits), the API token revocations and the
# worker's queue live in Redis, shared by every server and worker; without it the cache is
# the database's and the queue an SQLite file in the data directory.
MINQING_REDIS_URL = os.environ.get("MINQING_REDIS_URL", "").strip()
MINQING_CACHE_PREFIX = os.environ.get("MINQING_CACHE_PREFIX", "minqing")
if MINQING_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": MINQING_REDIS_URL,
            "KEY_PREFIX": MINQING_CACHE_PREFIX,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "minqing_cache",
        }
    }

TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MINQING_LOG_LEVEL", "WARNING")},
    # one line per job run ("sweep: 3 newly red, …") and the worker's start and stop
    "loggers": {"minqing.worker": {"level": os.environ.get("MINQING_WORKER_LOG_LEVEL", "INFO")}},
}

# Domain configuration (defaults; deployments override in the admin where a model exists).
MINQING = {
    # working days to answer, by handling mode; Category.deadline_days overrides
    "DEADLINE_DAYS": {"immediate": 3, "joint": 10, "coordinated": 20, "individual": 15},
    # working days a department has to accept (签收) an assignment
    "RESPONSE_DAYS": 1,
    # yellow while this many working days (today included) or fewer are left
    "YELLOW_DAYS": 1,
    # unreachable return-visit attempts before close_by_rule("unreachable") is allowed
    "UNREACHABLE_ATTEMPTS": 3,
    # days after closing within which a case may be reopened
    "REOPEN_WINDOW_DAYS": 30,
    # a registration without a category takes the classifier's best one when its score is at
    # least this (0..1; above 1 turns it off); below it the case waits for a person
    "CATEGORY_AUTO_THRESHOLD": 0.8,
    # days after a merge within which the dispatcher may undo it
    "UNMERGE_WINDOW_DAYS": 30,
}

# Periodic jobs of `minqing worker`: (name, interval seconds, dotted path).
MINQING_WORKER_JOBS = [
    ("sweep", int(os.environ.get("MINQING_SWEEP_INTERVAL", "300")), "minqing.supervision.sweep.run"),
]
MINQING_WORKER_JOBS.append(
    ("webhooks", int(os.environ.get("MINQING_WEBHOOK_INTERVAL", "10")), "minqing.intake.webhooks.run")
)
# Insights: index newly registered cases (duplicates, search); retrain the category model daily.
MINQING_WORKER_JOBS += [
    ("insights_index", int(os.environ.get("MINQING_INSIGHTS_INDEX_INTERVAL", "30")),
     "minqing.insights.indexing.catch_up_job"),
    ("insights_train", int(os.environ.get("MINQING_INSIGHTS_TRAIN_INTERVAL", "86400")),
     "minqing.insights.classify.train_job"),
]
# Pages: keep dashboards, supervisor summaries and the public board's figures computed.
MINQING_WORKER_JOBS.append(
    ("warm_pages", int(os.environ.get("MINQING_WARM_PAGES_INTERVAL", "60")), "minqing.web.jobs.warm_pages")
)
# `minqing check --deploy` reads the worker's heartbeat (minqing/deploycheck.py).
MINQING_WORKER_JOBS.append(("heartbeat", 30, "minqing.deploycheck.beat"))
# Pages: the public form's photos kept over a form error expire after a day.
MINQING_WORKER_JOBS.append(
    ("pending_uploads", int(os.environ.get("MINQING_PENDING_UPLOADS_INTERVAL", "3600")),
     "minqing.web.jobs.drop_stale_uploads")
)
# Webhooks: first retry after this many seconds, doubling per attempt; pause a subscriber after N failures in a row.
# Claimed work (webhook deliveries, notices, index entries) a worker holds longer than this is a dead
# worker's and is taken over by the next.
MINQING_CLAIM_LEASE_SECONDS = int(os.environ.get("MINQING_CLAIM_LEASE_SECONDS", "600"))
MINQING_WEBHOOK_BACKOFF = float(os.environ.get("MINQING_WEBHOOK_BACKOFF", "30"))
MINQING_WEBHOOK_PAUSE_AFTER = int(os.environ.get("MINQING_WEBHOOK_PAUSE_AFTER", "10"))
# Open311: POST requests per client per minute.
MINQING_OPEN311_RATE_PER_MINUTE = int(os.environ.get("MINQING_OPEN311_RATE_PER_MINUTE", "120"))

# Notices (消息提醒): the outbox of e-mails and SMS, sent by the worker (minqing/notices/).
MINQING_WORKER_JOBS.append(
    ("notices_outbox", int(os.environ.get("MINQING_NOTICE_INTERVAL", "10")), "minqing.notices.outbox.run")
)
MINQING_NOTICE_BACKOFF = float(os.environ.get("MINQING_NOTICE_BACKOFF", "60"))  # first retry, doubled per attempt
MINQING_NOTICE_MAX_ATTEMPTS = int(os.environ.get("MINQING_NOTICE_MAX_ATTEMPTS", "12"))
# staff with an e-mail address get these kinds by e-mail too (always; empty the list to send none)
MINQING_NOTICE_EMAIL_KINDS = [k for k in os.environ.get(
    "MINQING_NOTICE_EMAIL_KINDS", "summoned,supervised,returned,extension_decided,reopened").split(",") if k]
MINQING_REPORTER_SMS = os.environ.get("MINQING_REPORTER_SMS", "1") not in ("0", "false", "no", "off")
MINQING_SMS_BACKEND = os.environ.get("MINQING_SMS_BACKEND", "minqing.notices.channels.LogSmsBackend")
MINQING_SMS_HTTP_URL = os.environ.get("MINQING_SMS_HTTP_URL", "")
MINQING_SMS_HTTP_TEMPLATE = os.environ.get("MINQING_SMS_HTTP_TEMPLATE", '{"phone": "{phone}", "text": "{text}"}')
MINQING_SMS_HTTP_CONTENT_TYPE = os.environ.get("MINQING_SMS_HTTP_CONTENT_TYPE", "application/json")
EMAIL_BACKEND = os.environ.get("MINQING_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("MINQING_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("MINQING_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("MINQING_EMAIL_FROM", "minqing@localhost")
