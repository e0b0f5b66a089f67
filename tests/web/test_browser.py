"""Pages in real headless Chromium (Debian's /usr/bin/chromium through Playwright):
one case through its whole life across the roles' pages, scoping by URL, and no
horizontal scrolling at phone width on every page."""

import os
import re

import pytest

from minqing.cases.models import Case

from .helpers import days_ago, new_case, through

pytestmark = pytest.mark.browser

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between page steps are plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _limits(settings, transactional_db):
    from django.core.cache import cache

    cache.clear()  # the cache table outlives the flush between transactional tests
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "REPORT_RATE": (1000, 600), "VISIT_RATE": (1000, 600)}


def as_user(browser, live_server, name, width=1280, timeout=15000):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(timeout)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}-123")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def test_one_case_through_its_whole_life(tworld, live_server, browser):
    base = live_server.url
    # 1. a resident reports on the portal (no login), picking the place level by level
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    resident = ctx.new_page()
    resident.set_default_timeout(15000)
    resident.goto(base + "/report/")
    resident.fill("#category-search", "供水")
    resident.wait_for_function("document.querySelectorAll('#id_category option').length <= 3")
    resident.select_option("#id_category", "water_supply")
    for i, name in enumerate(["湖南省", "株洲市", "渌口区", "朱亭镇", "朱亭村"]):
        sel = resident.locator("select[name=region_pick]").nth(i)
        sel.select_option(label=name)
        resident.wait_for_function(
            "name => { const p = document.querySelector('#region-picker p');"
            " return p && p.textContent.includes(name) && !document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request'); }",
            arg=name)
    resident.fill("#id_address", "三组")
    resident.fill("#id_text", "朱亭村三组停水两天了，老人孩子喝水都成问题")
    resident.fill("#id_reporter_name", "王五")
    resident.fill("#id_reporter_phone", "13712345678")
    resident.click("#report-form button[type=submit]")
    code = resident.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"MQ[0-9A-Z]{10}", code)
    case = Case.objects.get(tracking_code=code)
    assert case.region.code == "430212101201" and case.category.code == "water_supply" and case.state == "registered"

    # 2. the township dispatcher assigns it, following the suggestion
    disp = as_user(browser, live_server, "disp_zt")
    assert disp.url.endswith("/work/inbox/")
    disp.click(f"text={code}")
    disp.click("#action-assign summary")
    assert disp.locator("#id_assign-department option:checked").inner_text().startswith("渌口区水务局")
    disp.select_option("#id_assign-mode", "immediate")
    disp.click("#action-assign button[type=submit]")
    disp.wait_for_selector("#case-state:has-text('已交办')")

    # 3. the water bureau accepts it, records progress and handles it
    water = as_user(browser, live_server, "water")
    assert water.url.endswith("/work/dept/")
    water.click(f"text={code}")
    water.click("#action-accept summary")
    water.click("#action-accept button[type=submit]")
    water.wait_for_selector("#case-state:has-text('办理中')")
    water.click("#action-progress summary")  # a progress note for the reporter (公开)
    water.fill("#id_progress-note", "已到现场，正在更换三组供水管道")
    water.check("#id_progress-public")
    water.click("#action-progress button[type=submit]")
    water.wait_for_selector("#timeline:has-text('正在更换三组供水管道')")
    water.click("#action-handle summary")
    water.fill("#id_handle-result", "已抢修三组供水管道，当天恢复供水")
    water.check("input[name=handle-disposition][value=solved]")
    water.click("#action-handle button[type=submit]")
    water.wait_for_selector("#case-state:has-text('已办结')")

    # 4. a handler of another department cannot open it by URL
    roads = as_user(browser, live_server, "roads")
    resp = roads.goto(f"{base}/case/{case.pk}/")
    assert resp.status == 404 and "找不到" in roads.content() and "停水两天" not in roads.content()

    # 5. the resident rates it on the tracking page
    resident.click("#track-link")
    resident.wait_for_selector("#answer:has-text('恢复供水')")
    assert "正在更换三组供水管道" in resident.content()
    resident.check("input[name=solved][value=yes]")
    resident.check("input[name=rating][value=satisfied]")
    resident.fill("#id_score", "9")
    resident.click("#visit-form button[type=submit]")
    resident.wait_for_selector("#case-state:has-text('已销号')")
    case.refresh_from_db()
    assert case.state == "closed" and case.resolved and case.last_score == 9

    # 6. closed on the public board, with the reporter masked
    board = browser.new_page(locale="zh-CN")
    board.goto(f"{base}/board/430212/")
    item = board.locator(f"#board-{case.pk}")
    assert "已销号" in item.inner_text() and "恢复供水" in item.inner_text()
    assert "13712345678" not in board.content() and "王五" not in board.content() and "王*" in item.inner_text()
    assert board.locator("#board-completion").inner_text() == "100.0%"

    # 7. counted on the leader's dashboard
    leader = as_user(browser, live_server, "leader_city")
    assert leader.url.endswith("/dashboard/")
    cards = leader.locator("#figures")
    assert cards.locator("[data-key=intake] .value").inner_text() == "1"
    assert cards.locator("[data-key=resolution_rate] .value").inner_text() == "100.0%"
    assert cards.locator("[data-key=satisfaction_rate] .value").inner_text() == "100.0%"
    leader.wait_for_function("document.querySelector('#chart-trend canvas') !== null")  # ECharts drew
    for p in (resident, disp, water, roads, board, leader):
        p.context.close()


PAGES = [
    (None, ["/", "/report/", "/t/", "/board/", "/board/430212/", "/qr/region/430212101201/", "/login/"]),
    ("disp_zt", ["/work/inbox/", "/work/inbox/?tab=open", "/work/cases/", "/case/{registered}/"]),
    ("water", ["/work/dept/", "/work/dept/?tab=doing", "/case/{doing}/"]),
    ("rv_lk", ["/work/visits/"]),
    ("sup_lk", ["/work/supervise/", "/case/{late}/"]),
    ("leader_city", ["/dashboard/", "/dashboard/?region=430212"]),
]


def test_no_horizontal_scroll_at_phone_width(tworld, live_server, browser):
    w = tworld
    ids = {
        "registered": new_case(w).pk,
        "doing": through(w, new_case(w, text="三组水压太低，楼上用不了水", phone="13700000001"), "accept").pk,
    }
    through(w, new_case(w, text="联星街道路面坑洼" * 3, phone=""), "handled")
    from minqing.cases import actions

    late = new_case(w, text="龙船村道路破损很久了", category="roads_transport", region="430212102201", at=days_ago(30))
    actions.assign(w.actor("disp_lk"), late, department="lk-roads", at=days_ago(30))
    ids["late"] = late.pk
    code = Case.objects.get(pk=ids["registered"]).tracking_code
    wide = []
    for user, urls in PAGES:
        if user:
            page = as_user(browser, live_server, user, width=390)
        else:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        for url in urls + ([f"/t/{code}/"] if user is None else []):
            resp = page.goto(live_server.url + url.format(**ids))
            assert resp.status == 200, url
            page.wait_for_load_state("load")
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                wide.append((url, scroll))
        page.context.close()
    assert wide == []
