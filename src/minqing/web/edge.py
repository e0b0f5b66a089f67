"""The public edge: who the client is, which host we are, and locked logins.

- ``client_address(request)``: the client's IP. ``X-Forwarded-For`` is believed only when
  the peer (``REMOTE_ADDR``) is one of ``MINQING_TRUSTED_PROXIES`` (IPs or CIDRs); the
  client is then the right-most address of the header that is not a trusted proxy
  (everything left of it was written by the client and can be forged).
- ``public_url(path)``: an absolute link on ``MINQING_PUBLIC_URL`` (for code without a
  request: the worker, commands); with a request, ``request.build_absolute_uri`` does the
  same (``PublicEdgeMiddleware``).
- ``LoginAttemptsBackend``: django-axes' backend, which also lets ``authenticate()`` be
  called without a request (commands, tests); such a call is no HTTP login to limit.
- The lock and the unlock of a login are logged on ``minqing.security``.
"""

import ipaddress
import logging
from functools import lru_cache
from urllib.parse import urljoin

from axes.backends import AxesStandaloneBackend
from django.conf import settings

log = logging.getLogger("minqing.security")


@lru_cache(maxsize=8)
def _networks(spec):
    nets = []
    for part in (spec or "").split(","):
        part = part.strip()
        if part:
            nets.append(ipaddress.ip_network(part, strict=False))
    return tuple(nets)


def trusted_proxies():
    spec = getattr(settings, "MINQING_TRUSTED_PROXIES", "")
    if isinstance(spec, (list, tuple)):
        spec = ",".join(spec)
    return _networks(spec)


def _ip(value):
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(ip, nets):
    return any(ip.version == n.version and ip in n for n in nets)


def client_address(request):
    """The client's IP address as a string ("unknown" when the peer gave none)."""
    peer = _ip(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return "unknown"
    nets = trusted_proxies()
    if not nets or not _trusted(peer, nets):
        return str(peer)
    # the right end is what our proxies wrote; a long header is cut on its left
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")[-2000:]
    client = peer
    for hop in reversed(forwarded.split(",")):
        ip = _ip(hop)
        if ip is None:  # garbage: nothing to its left can be believed
            break
        client = ip
        if not _trusted(ip, nets):
            break
    return str(client)


def axes_client_ip(request):
    """``client_address`` for django-axes (None when unknown: its column holds IP addresses)."""
    address = client_address(request)
    return None if address == "unknown" else address


def axes_username(request, credentials=None):
    """The username axes records, cut to 150 characters (Django's own limit): Django's login
    form does not check the length, and a longer one would not fit axes' column (a 500 on
    PostgreSQL). No account has a longer name, so cutting merges no real accounts."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        name = credentials.get(field)
    else:
        name = request.POST.get(field) if request is not None else None
    return name[:150] if isinstance(name, str) else name


def public_base():
    return getattr(settings, "MINQING_PUBLIC_URL", "") or ""


def public_url(path, request=None):
    """``path`` as an absolute URL: on MINQING_PUBLIC_URL, else on the request's host."""
    base = public_base()
    if base:
        return urljoin(base + "/", path)
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def public_absolute_uri(request, location=None):
    """``HttpRequest.build_absolute_uri`` on MINQING_PUBLIC_URL instead of the Host header."""
    if location is None:
        location = request.get_full_path()
    return urljoin(public_base() + "/", location)


class LoginAttemptsBackend(AxesStandaloneBackend):
    """Axes' lock check; ``authenticate()`` without a request (no HTTP login) is not limited."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lock_minutes():
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    log.warning("login locked: username=%r address=%s for %s minutes after %s failures",
                username, ip_address, lock_minutes(), settings.AXES_FAILURE_LIMIT)


def on_attempt_deleted(sender, instance, **kwargs):
    """An AccessAttempt row gone: a success, an expiry, or an admin's reset."""
    if instance.failures_since_start >= settings.AXES_FAILURE_LIMIT:
        log.warning("login unlocked: username=%r address=%s (%s failures since %s)",
                    instance.username, instance.ip_address, instance.failures_since_start,
                    instance.attempt_time.isoformat() if instance.attempt_time else "?")


def connect_signals():
    from axes.models import AccessAttempt
    from axes.signals import user_locked_out
    from django.db.models.signals import post_delete

    user_locked_out.connect(on_locked_out, dispatch_uid="minqing-login-locked")
    post_delete.connect(on_attempt_deleted, sender=AccessAttempt, dispatch_uid="minqing-login-unlocked")
