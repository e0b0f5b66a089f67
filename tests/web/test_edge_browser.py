"""In headless Chromium: the main pages and the API docs load nothing from another origin,
run under the Content-Security-Policy without a single violation or console error, and still
work (htmx swaps, ECharts draws, Swagger UI renders); the locked login page."""

import os
from urllib.parse import urlsplit

import pytest

from .helpers import new_case, through
from .test_browser import CHROMIUM_ARGS, as_user, browser  # noqa: F401  (the browser fixture)

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = os.environ.get("MINQING_EDGE_SHOTS")  # a directory: keep screenshots of the walk

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(autouse=True)
def _real_policy(settings):
    """The project's own policy (conftest adds 'unsafe-eval' for the other browser tests)."""
    from minqing import settings as project

    settings.MINQING_CSP = project.MINQING_CSP
    assert "unsafe-eval" not in settings.MINQING_CSP and "script-src 'self';" in settings.MINQING_CSP


class Recorder:
    def __init__(self, page, origin):
        self.origin = origin
        self.requests, self.console, self.errors, self.failed = [], [], [], []
        page.add_init_script(WATCH)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def foreign(self):
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if f"{parts.scheme}://{parts.netloc}" != self.origin:
                out.append(url)
        return out


def _check(page, rec, url, expected_status=None):
    violations = page.evaluate("window.__csp || []")
    assert violations == [], (url, violations)
    assert rec.errors == [], (url, rec.errors)
    bad = [m for m in rec.console if "Content Security Policy" in m or m.startswith("error")]
    if expected_status:  # the page's own status, which Chromium reports as a failed load
        bad = [m for m in bad if f"status of {expected_status} " not in m]
    assert bad == [], (url, bad, rec.failed)
    assert rec.foreign() == [], (url, rec.foreign())


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _visit(page, rec, base, url, ready=None, name=None):
    # ``ready``: a selector (the page's own scripts ran); not wait_for_function, whose
    # string predicates Playwright evaluates with eval(), which the policy forbids
    resp = page.goto(base + url)
    assert resp.status == 200, url
    policy = resp.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "script-src 'self';" in policy and "unsafe-eval" not in policy
    page.wait_for_load_state("networkidle")
    if ready:
        page.wait_for_selector(ready)
    _check(page, rec, url)
    if name:
        _shot(page, name)


@pytest.mark.parametrize("width", [390, 1366])
def test_main_pages_same_origin_and_no_csp_violation(tworld, live_server, browser, width):  # noqa: F811
    w = tworld
    base = live_server.url
    case = through(w, new_case(w), "accept")
    handled = through(w, new_case(w, text="三组水压太低，楼上用不了水", phone="13700000001"), "handled")

    # the public: the portal (with an htmx swap of the place picker), tracking, board, login
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    rec = Recorder(page, base)
    _visit(page, rec, base, "/report/", name=f"report-{width}")
    page.locator("select[name=region_pick]").first.select_option(label="湖南省")
    page.locator("select[name=region_pick]").nth(1).wait_for()  # htmx swapped the picker
    _check(page, rec, "/report/ (htmx)")
    for url in [f"/t/{handled.tracking_code}/", "/board/", f"/qr/region/{case.region.code}/", "/login/"]:
        _visit(page, rec, base, url)
    _visit(page, rec, base, "/api/v1/docs", ready=".swagger-ui .info .title",
           name=f"docs-{width}")
    # Swagger UI works: an operation opens
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body")
    _check(page, rec, "/api/v1/docs (opened)")
    ctx.close()

    # the dispatcher's inbox and a case page; the leader's dashboard with its ECharts charts
    disp = as_user(browser, live_server, "disp_zt", width=width)
    rec = Recorder(disp, base)
    _visit(disp, rec, base, "/work/inbox/", name=f"inbox-{width}")
    _visit(disp, rec, base, f"/case/{case.pk}/", name=f"case-{width}")
    disp.context.close()
    leader = as_user(browser, live_server, "leader_city", width=width)
    rec = Recorder(leader, base)
    _visit(leader, rec, base, "/dashboard/", ready="#chart-trend canvas",
           name=f"dashboard-{width}")
    leader.context.close()


def test_locked_login_page(tworld, live_server, browser):  # noqa: F811
    base = live_server.url
    for width in (390, 1366):
        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = ctx.new_page()
        rec = Recorder(page, base)
        page.goto(base + "/login/")
        for _ in range(5):
            page.fill("#id_username", f"nobody{width}")
            page.fill("#id_password", "wrong-password")
            with page.expect_navigation() as nav:
                page.click("main button[type=submit]")
        assert nav.value.status == 429
        assert "登录失败次数过多" in page.locator("#login-locked").inner_text()
        _check(page, rec, "/login/ locked", expected_status=429)
        _shot(page, f"login-locked-{width}")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner
        ctx.close()


def test_former_inline_handlers_work_under_the_policy(tworld, live_server, browser):  # noqa: F811
    """The role switch, the QR page's print button and the visit form's 'another problem'
    button were inline handlers; they are web/app.js now and must still work."""
    from minqing.people.models import Membership

    base = live_server.url
    Membership.objects.create(user=tworld.users["disp_zt"], role="return_visitor", region=tworld.regions["430212"])
    page = as_user(browser, live_server, "disp_zt", width=390)
    rec = Recorder(page, base)
    _visit(page, rec, base, "/work/inbox/")
    with page.expect_navigation():
        page.select_option("#mq-role", "return_visitor")
    assert page.url.endswith("/work/visits/")
    _check(page, rec, "role switch")
    # print: window.print replaced by a counter before the page's scripts run
    page.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    _visit(page, rec, base, "/qr/region/430212101201/")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed") == 1
    page.context.close()

    cadre = as_user(browser, live_server, "cadre_zt", width=390)
    rec = Recorder(cadre, base)
    _visit(cadre, rec, base, "/visits/new/")
    before = cadre.locator("#problems .problem").count()
    cadre.locator("#problems .problem textarea").first.fill("路灯坏了")
    cadre.click("button[data-clone]")
    assert cadre.locator("#problems .problem").count() == before + 1
    assert cadre.locator("#problems .problem textarea").last.input_value() == ""
    _check(cadre, rec, "/visits/new/ (another problem)")
    cadre.context.close()
