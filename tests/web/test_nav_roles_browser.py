"""The navigation bar at 390 px for every role: it gained many links, and on a phone it must wrap into
rows without a horizontal scroll, with every link on screen and big enough to tap; and a page a role may
not open answers with the site's own Chinese page, not Django's bare English one."""

import os

import pytest
from django.test import Client

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# one login per role of the test world, plus a surveyor and an operator made here
ROLES = ["admin", "disp_lk", "leader_city", "sup_lk", "cadre_zt", "water", "rv_lk", "surveyor", "operator"]

MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const links = [...document.querySelectorAll('.topbar nav a, .topbar nav button, .topbar nav select')]
    .filter(el => el.offsetParent !== null || el.tagName === 'SELECT');
  return {
    vw, doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,
    path: location.pathname,
    links: links.map(el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
      return {text: (el.innerText || el.value || '').trim(), left: r.left, right: r.right, top: r.top,
              width: r.width, height: r.height, hidden: s.visibility === 'hidden' || s.display === 'none'}; }),
    n_all: document.querySelectorAll('.topbar nav a').length,
  };
}"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def navworld(tworld):
    from django.contrib.auth import get_user_model

    from minqing.people.models import Membership

    for name, role in (("surveyor", "surveyor"), ("operator", "operator")):
        u = get_user_model().objects.create_user(name, password=f"pw-{name}-123")
        Membership.objects.create(user=u, role=role, region=tworld.regions["430212"])
    return tworld


@pytest.mark.browser
@pytest.mark.parametrize("name", ROLES)
def test_nav_at_390_has_no_horizontal_scroll_and_every_link_on_screen(navworld, live_server, browser, name):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}-123")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    m = page.evaluate(MEASURE)
    ctx.close()
    assert m["path"] != "/login/", f"{name} logged in and landed on a home page"
    assert m["doc"] <= m["vw"] and m["body"] <= m["vw"], f"{name}'s home {m['path']} scrolls sideways: {m}"
    assert m["n_all"] >= 3, f"{name} has a navigation ({m['n_all']} links)"
    for link in m["links"]:
        assert not link["hidden"] and link["width"] > 0, f"{name}: nav item {link['text']!r} is not shown"
        assert link["left"] >= 0 and link["right"] <= m["vw"] + 0.5, f"{name}: {link['text']!r} is cut: {link}"
        assert link["height"] >= 28, f"{name}: {link['text']!r} is too small to tap ({link['height']} px)"
    # no two links overlap (a wrapped row must not be drawn over the previous one)
    boxes = [lk for lk in m["links"] if lk["text"]]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap_x = min(a["right"], b["right"]) - max(a["left"], b["left"])
            overlap_y = min(a["top"] + a["height"], b["top"] + b["height"]) - max(a["top"], b["top"])
            assert overlap_x <= 1 or overlap_y <= 1, f"{name}: {a['text']!r} overlaps {b['text']!r}"


def test_a_page_a_role_may_not_open_is_the_sites_own_page(world):
    c = Client()
    c.force_login(world.users["water"])
    r = c.get("/partners/wishes/")
    assert r.status_code == 403
    html = r.content.decode()
    assert "403 Forbidden" not in html and "无权访问" in html and 'class="topbar"' in html


def test_a_missing_page_is_the_sites_own_page(world):
    r = Client().get("/no-such-page/")
    assert r.status_code == 404
    html = r.content.decode()
    assert "找不到" in html and "The requested resource" not in html
