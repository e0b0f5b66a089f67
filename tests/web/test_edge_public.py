"""The public edge: sliding-window rate limits, the client address behind trusted proxies,
MINQING_PUBLIC_URL (hosts and absolute links), the Content-Security-Policy, the API docs."""

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from minqing.web import edge, ratelimit

PUBLIC = "https://minqing.example.gov.cn"
VILLAGE = "430212101201"


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000_000.0]
    monkeypatch.setattr(ratelimit, "_clock", lambda: now[0])
    return now


@pytest.fixture
def public(settings):
    settings.MINQING_PUBLIC_URL = PUBLIC
    settings.ALLOWED_HOSTS = ["minqing.example.gov.cn", "10.0.0.5"]
    settings.CSRF_TRUSTED_ORIGINS = [PUBLIC]  # what settings.py derives (test_settings_from_the_environment)
    return PUBLIC


# ---- sliding window ---------------------------------------------------------------------


def test_no_double_burst_at_a_window_boundary(db, settings, clock):
    settings.MINQING_WEB = {"REPORT_RATE": (3, 60)}
    # a fixed window would start at a multiple of 60 s: three at its very end ...
    clock[0] = 1_000_000_020.0 - 0.5  # 1_000_000_020 is a multiple of 60
    assert [ratelimit.hit("report", "1.2.3.4", "REPORT_RATE") for _ in range(3)] == [False] * 3
    # ... and three more a second later, in the next fixed window: refused now
    clock[0] += 1
    assert [ratelimit.hit("report", "1.2.3.4", "REPORT_RATE") for _ in range(3)] == [True] * 3
    assert ratelimit.retry_after("REPORT_RATE", "report", "1.2.3.4") == 59
    # another client is not affected
    assert ratelimit.hit("report", "5.6.7.8", "REPORT_RATE") is False
    # 60 s after the first three, room again for three
    clock[0] += 59.1
    assert [ratelimit.hit("report", "1.2.3.4", "REPORT_RATE") for _ in range(4)] == [False] * 3 + [True]


def test_at_most_the_limit_in_any_window(db, settings, clock):
    """Requests spread over time: whatever the spacing, never more than N in any 60 s."""
    settings.MINQING_WEB = {"REPORT_RATE": (5, 60)}
    accepted = []
    start = clock[0]
    for i in range(400):
        clock[0] = start + i * 1.7
        if not ratelimit.hit("report", "c", "REPORT_RATE"):
            accepted.append(clock[0])
    for i, t in enumerate(accepted):
        assert sum(1 for u in accepted[i:] if u < t + 60) <= 5
    assert len(accepted) >= 5 * (400 * 1.7 // 60)  # and the limit is reached, not more strict


def test_public_form_double_burst_over_http(world, settings, clock):
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "REPORT_RATE": (2, 600)}
    c = Client()
    clock[0] = 1_000_000_200.0 - 1  # one second before a 600 s boundary
    assert [c.post("/report/", {}).status_code for _ in range(2)] == [422, 422]  # the form, with errors
    clock[0] += 2
    resp = c.post("/report/", {})
    # refused, and told to come back when the first of the two is 600 s old (2 s have passed)
    assert resp.status_code == 429 and resp["Retry-After"] == "598"
    assert "598 秒后再试" in resp.content.decode()


# ---- the client address -----------------------------------------------------------------


def _req(remote, xff=None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize("trusted, remote, xff, expected", [
    ("", "203.0.113.9", "1.1.1.1", "203.0.113.9"),  # no trusted proxy: the header is ignored
    ("10.0.0.1", "203.0.113.9", "1.1.1.1", "203.0.113.9"),  # from an untrusted peer: ignored
    ("10.0.0.1", "10.0.0.1", "1.1.1.1", "1.1.1.1"),
    ("10.0.0.1", "10.0.0.1", "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the client wrote 6.6.6.6 itself
    ("10.0.0.0/8", "10.0.0.1", "6.6.6.6, 1.1.1.1, 10.2.3.4", "1.1.1.1"),  # two proxies
    ("10.0.0.0/8,192.168.1.7", "192.168.1.7", "1.1.1.1,10.9.9.9", "1.1.1.1"),
    ("10.0.0.0/8", "10.0.0.1", "10.0.0.9", "10.0.0.9"),  # all trusted: the left-most
    ("10.0.0.0/8", "10.0.0.1", "", "10.0.0.1"),  # no header: the proxy itself
    ("10.0.0.0/8", "10.0.0.1", "6.6.6.6, garbage, 1.1.1.1", "1.1.1.1"),
    ("10.0.0.0/8", "10.0.0.1", "6.6.6.6, 10.0.0.3, garbage", "10.0.0.1"),  # garbage from a proxy: stop
    ("10.0.0.0/8", "10.0.0.1", "1.1.1.1:5555", "1.1.1.1"),
    ("2001:db8::/32", "2001:db8::1", "2001:db8::2, [2400:cb00::7]:443", "2400:cb00::7"),
    ("10.0.0.0/8", "", "1.1.1.1", "unknown"),
    ("10.0.0.0/8", "10.0.0.1", "6.6.6.6, " * 1000 + "1.1.1.1, 10.0.0.3", "1.1.1.1"),  # a long forged prefix
])
def test_client_address(settings, trusted, remote, xff, expected):
    settings.MINQING_TRUSTED_PROXIES = trusted
    assert edge.client_address(_req(remote, xff)) == expected


def test_forwarded_for_only_from_a_trusted_proxy_over_http(world, settings):
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "REPORT_RATE": (1, 600)}
    settings.MINQING_TRUSTED_PROXIES = "10.0.0.0/8"
    c = Client()
    # behind the proxy, two citizens are two clients
    assert c.post("/report/", {}, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 422
    assert c.post("/report/", {}, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 422
    assert c.post("/report/", {}, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    # a client prepending a forged address is still itself
    assert c.post("/report/", {}, REMOTE_ADDR="10.0.0.2",
                  HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.2").status_code == 429
    # straight from the internet, a forged header changes nothing
    assert c.post("/report/", {}, REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 422
    assert c.post("/report/", {}, REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="1.1.1.2").status_code == 429


# ---- hosts and links ---------------------------------------------------------------------


def test_forged_host_is_400(world, public):
    c = Client()
    for path in ["/", "/report/", "/login/", f"/qr/region/{VILLAGE}/", "/static/web/app.css", "/healthz"]:
        assert c.get(path, HTTP_HOST="evil.example").status_code == 400, path
    resp = c.get("/api/v1/regions", HTTP_HOST="evil.example")
    assert resp.status_code == 400 and resp.json()["code"] == "bad_host"
    resp = c.get("/open311/v2/discovery.json", HTTP_HOST="evil.example")
    assert resp.status_code == 400 and resp.json()["code"] == "bad_host"
    assert c.get("/report/", HTTP_HOST="minqing.example.gov.cn").status_code == 200


def test_default_hosts_without_public_url(world):
    """The demo: localhost and 127.0.0.1 work, anything else is 400; links follow the request."""
    c = Client()
    assert c.get("/report/", HTTP_HOST="evil.example").status_code == 400
    for host in ["localhost:8000", "127.0.0.1:8000", "[::1]:8000"]:
        resp = c.get(f"/qr/region/{VILLAGE}/", HTTP_HOST=host)
        assert resp.status_code == 200, host
        assert f"http://{host}/report/?region={VILLAGE}" in resp.content.decode()


def test_links_use_the_public_url(world, public):
    c = Client()
    # the request reached us as http on an internal address: the links are still the public ones
    for host in ["minqing.example.gov.cn", "10.0.0.5"]:
        page = c.get(f"/qr/region/{VILLAGE}/", HTTP_HOST=host).content.decode()
        assert f"{PUBLIC}/report/?region={VILLAGE}&amp;via=qr" in page
        assert "http://minqing.example.gov.cn" not in page and "10.0.0.5" not in page
        discovery = c.get("/open311/v2/discovery.json", HTTP_HOST=host).json()
        assert discovery["endpoints"][0]["url"] == f"{PUBLIC}/open311/v2/"


def test_tracking_link_uses_the_public_url(world, public):
    from .helpers import new_case

    case = new_case(world)
    page = Client().get(f"/report/done/{case.tracking_code}/", HTTP_HOST="10.0.0.5")
    assert page.status_code == 200
    assert f"{PUBLIC}/t/{case.tracking_code}/" in page.content.decode()


def test_public_url_helper(settings):
    settings.MINQING_PUBLIC_URL = PUBLIC
    assert edge.public_url("/t/MQ1/") == f"{PUBLIC}/t/MQ1/"
    settings.MINQING_PUBLIC_URL = ""
    assert edge.public_url("/t/MQ1/", _req("127.0.0.1")) == "http://testserver/t/MQ1/"


@pytest.mark.parametrize("raw, expected", [
    ("https://minqing.example.gov.cn", "https://minqing.example.gov.cn"),
    ("https://minqing.example.gov.cn/", "https://minqing.example.gov.cn"),
    ("http://10.1.2.3:8080", "http://10.1.2.3:8080"),
    ("", ""),
])
def test_public_url_setting(monkeypatch, raw, expected):
    from minqing import settings as project

    monkeypatch.setenv("MINQING_PUBLIC_URL", raw)
    assert project._public_url() == expected


def test_settings_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    code = ("import json, minqing.settings as s; print(json.dumps([s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, "
            "getattr(s, 'SESSION_COOKIE_SECURE', False), s.MINQING_TRUSTED_PROXIES]))")

    def load(**env):
        env = {**os.environ, "MINQING_DATA_DIR": str(tmp_path), "MINQING_SECRET_KEY": "x" * 50, **env}
        for k in ("MINQING_PUBLIC_URL", "MINQING_ALLOWED_HOSTS", "MINQING_TRUSTED_PROXIES"):
            if env.get(k) is None:
                env.pop(k, None)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    assert load() == [["localhost", "127.0.0.1", "[::1]", "testserver"], [], False, ""]
    assert load(MINQING_PUBLIC_URL=PUBLIC + "/", MINQING_ALLOWED_HOSTS="10.0.0.5",
                MINQING_TRUSTED_PROXIES="10.0.0.0/8") == [
        ["minqing.example.gov.cn", "10.0.0.5"], [PUBLIC], True, "10.0.0.0/8"]


@pytest.mark.parametrize("raw", ["minqing.example.gov.cn", "ftp://x.cn", "https://x.cn/minqing", "https://x.cn/?a=1"])
def test_public_url_setting_refuses_what_is_not_an_origin(monkeypatch, raw):
    from django.core.exceptions import ImproperlyConfigured

    from minqing import settings as project

    monkeypatch.setenv("MINQING_PUBLIC_URL", raw)
    with pytest.raises(ImproperlyConfigured):
        project._public_url()


# ---- Content-Security-Policy and the API docs ----------------------------------------------


def test_csp_header_on_every_page(world):
    c = Client()
    c.force_login(world.users["disp_zt"])
    for path in ["/", "/report/", "/login/", "/board/", "/work/inbox/", "/api/v1/docs", "/api/v1/openapi.json",
                 "/static/web/app.css", "/no-such-page/"]:
        resp = c.get(path)
        csp = resp.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, path
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
        assert "frame-ancestors 'none'" in csp


def test_api_docs_come_from_our_static_files(world):
    resp = Client().get("/api/v1/docs")
    assert resp.status_code == 200
    html = resp.content.decode()
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(s.endswith("swagger-ui-bundle.js") for s in srcs)
    assert all(s.startswith("/") and not s.startswith("//") for s in srcs), srcs
    assert "cdn" not in html.lower()
    # no inline script: only the JSON settings block (not executed), and the validator is off
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [' type="application/json" id="swagger-settings"']
    settings_json = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert settings_json["validatorUrl"] is None and settings_json["url"] == "/api/v1/openapi.json"
    for s in srcs:
        if s.startswith("/static/"):
            assert Client().get(s).status_code == 200, s


def test_login_through_a_tls_proxy_passes_csrf(world, public):
    """Behind the proxy Django sees http; the browser's Origin is the https public URL."""
    c = Client(enforce_csrf_checks=True)
    page = c.get("/login/", HTTP_HOST="minqing.example.gov.cn")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    resp = c.post("/login/", {"username": "water", "password": "pw-water-123", "csrfmiddlewaretoken": token},
                  HTTP_HOST="minqing.example.gov.cn", HTTP_ORIGIN=PUBLIC, REMOTE_ADDR="10.0.0.2")
    assert resp.status_code == 302
    # a foreign origin is refused
    resp = Client(enforce_csrf_checks=True).post(
        "/login/", {"username": "water", "password": "pw-water-123", "csrfmiddlewaretoken": token},
        HTTP_HOST="minqing.example.gov.cn", HTTP_ORIGIN="https://evil.example")
    assert resp.status_code == 403


def test_concurrent_requests_do_not_overshoot(transactional_db, settings):
    """Eight threads (own database connections) at once against a limit of 5: exactly 5 pass."""
    import threading

    from django.db import connection

    settings.MINQING_WEB = {"REPORT_RATE": (5, 60)}
    cache.clear()
    results, barrier = [], threading.Barrier(8)

    def one():
        try:
            barrier.wait()
            results.append(ratelimit.hit("report", "9.9.9.9", "REPORT_RATE"))
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True] * 3
