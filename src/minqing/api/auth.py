"""API authentication: a bearer token (API clients) or the session (pages, with CSRF).

A bearer token's user and roles are kept per process for ``token_cache_seconds()``
(``MINQING_API_TOKEN_CACHE_SECONDS``, default 5; 0 turns the cache off): an API
client's every request would otherwise cost two queries (the token with its user,
the user's memberships with their regions and departments) before it does anything.

What that means for revocation: revoking a token (``revoke()``, the admin, any
``save()``/``delete()`` of a token), deactivating a user or changing a membership,
region or department drops this process's whole cache at once. With
``MINQING_REDIS_URL`` it also bumps a generation counter in Redis that every server
process reads on each bearer request (one GET): their cached entries of an older
generation are dropped, so such a revocation is refused by every server at once.
Without Redis, another server process sees it within ``token_cache_seconds()``; a
change written behind the ORM's back (``QuerySet.update()``, raw SQL) is seen by
every process within ``token_cache_seconds()`` either way.
"""

import logging
import threading
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from minqing.people.models import ApiToken, Membership, hash_token
from minqing.people.scoping import Actor

MAX_CACHED = 10_000
_clock = time.monotonic  # tests move it
_cache = {}  # key_hash -> (expires, generation, user, memberships)
log = logging.getLogger("minqing.api")
_lock = threading.Lock()


def token_cache_seconds():
    return float(getattr(settings, "MINQING_API_TOKEN_CACHE_SECONDS", 5))


GENERATION_KEY = "mq-api-token-generation"


def _shared():
    """With MINQING_REDIS_URL the cache is Redis, shared by every server process."""
    return bool(getattr(settings, "MINQING_REDIS_URL", ""))


def _generation():
    """The shared generation of the token caches (0 without Redis; None when Redis does
    not answer: then nothing is served from a cache)."""
    if not _shared():
        return 0
    try:
        return cache.get(GENERATION_KEY, 0)
    except Exception:  # Redis down: read the database every time
        log.warning("token cache generation unreadable", exc_info=True)
        return None


def _bump():
    try:
        if not cache.add(GENERATION_KEY, 1, timeout=None):
            cache.incr(GENERATION_KEY)
    except Exception:
        log.warning("token cache generation not bumped", exc_info=True)


def clear_token_cache(*args, **kwargs):
    with _lock:
        _cache.clear()
    if _shared():
        # every process's cache: now, and again once the change is committed (a process
        # reading the database in between would have cached the old rows)
        _bump()
        transaction.on_commit(_bump)


def _load(key_hash):
    """(user, memberships) for an active token of an active user, or None."""
    try:  # key_hash is unique: get() needs no ORDER BY
        row = ApiToken.objects.select_related("user").get(
            key_hash=key_hash, revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    memberships = tuple(Membership.objects.filter(user=row.user).select_related("region", "department__region"))
    return row.user, memberships


def token_user(raw):
    """(user, memberships) for a raw bearer token, from this process's cache when fresh."""
    key_hash = hash_token(raw)
    ttl = token_cache_seconds()
    now = _clock()
    generation = _generation() if ttl > 0 else None
    hit = _cache.get(key_hash)
    if hit is not None and hit[0] > now and generation is not None and hit[1] == generation:
        return hit[2], hit[3]
    found = _load(key_hash)
    if found is not None and ttl > 0 and generation is not None:
        with _lock:
            if len(_cache) >= MAX_CACHED:
                _cache.clear()
            _cache[key_hash] = (now + ttl, generation, *found)
    return found


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        found = token_user(token)
        if found is None:
            return None
        user, memberships = found
        request.user = user
        # the roles were read with the token: the Actor needs no second query
        request._minqing_actor = Actor(user=user, label=user.get_username(), memberships=list(memberships))
        return user


class Session(SessionAuth):
    """The logged-in session (pages calling the API), CSRF-checked; a request
    without a session is simply not authenticated (401), not a CSRF failure."""

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [TokenAuth(), Session()]


def actor(request):
    """The Actor for this request, built once per request."""
    cached = getattr(request, "_minqing_actor", None)
    if cached is None:
        cached = Actor.for_user(request.auth)
        request._minqing_actor = cached
    return cached


def revoke(token):
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def connect():
    """Drop the token cache on any change to what it holds (called from ApiConfig.ready)."""
    from minqing.regions.models import Department, Region

    for model in (ApiToken, get_user_model(), Membership, Region, Department):
        post_save.connect(clear_token_cache, sender=model, dispatch_uid=f"api-token-cache-save-{model.__name__}")
        post_delete.connect(clear_token_cache, sender=model, dispatch_uid=f"api-token-cache-delete-{model.__name__}")
    # a user's groups and permissions (is_superuser is a field: post_save covers it)
    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through):
        m2m_changed.connect(clear_token_cache, sender=through, dispatch_uid=f"api-token-cache-m2m-{through.__name__}")
