"""API authentication: a bearer token (API clients) or the session (pages, with CSRF)."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from minqing.people.models import ApiToken, hash_token
from minqing.people.scoping import Actor


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        try:  # key_hash is unique: get() needs no ORDER BY
            row = ApiToken.objects.select_related("user").get(
                key_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True
            )
        except ApiToken.DoesNotExist:
            return None
        request.user = row.user
        return row.user


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
