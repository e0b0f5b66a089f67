"""Decisions on the pages, in real headless Chromium: adopting the inbox's suggestion in one
click (no reload), a merge confirmed with both texts side by side and then undone, and the
portal suggesting the place from the text as it is typed (one tap) and choosing the only
category a search leaves. ``MINQING_SHOTS=DIR`` keeps a screenshot of each page at 390 and
1366 px."""

import os

import pytest

from minqing.cases import actions
from minqing.cases.models import Case, Category, Event

from .helpers import new_case
from .test_browser import CHROMIUM_ARGS, as_user, browser  # noqa: F401 - the module's browser fixture

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SHOTS = os.environ.get("MINQING_SHOTS")


@pytest.fixture(autouse=True)
def _limits(settings, transactional_db):
    from django.core.cache import cache

    cache.clear()
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "REPORT_RATE": (1000, 600), "VISIT_RATE": (1000, 600)}


def shoot(page, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_inbox_adopts_the_suggestion_in_one_click(tworld, live_server, browser, settings):  # noqa: F811
    settings.MINQING = {**settings.MINQING, "CATEGORY_AUTO_THRESHOLD": 1.5}  # the case waits for a person
    case = new_case(tworld, text="朱亭村三组停水两天了，自来水管爆了", category=None, region="430212101")
    other = new_case(tworld, text="龙船镇路灯不亮", category="municipal_facilities", region="430212102")
    assert case.category is None and case.region.code == "430212101"
    page = as_user(browser, live_server, "disp_zt", width=1366)
    page.goto(live_server.url + "/work/inbox/")
    item = page.locator(f"#case-{case.pk}")
    button = item.locator("button.adopt")
    button.wait_for()
    text = item.locator(".suggestion").inner_text()
    assert "供水" in text and "朱亭村" in text and "water_supply" not in text
    shoot(page, "inbox-suggestion")
    page.evaluate("window.__stay = 'same page'")
    button.click()
    item.locator(".adopted").wait_for()
    assert page.evaluate("window.__stay") == "same page"  # htmx swapped the item: no reload
    assert "供水" in item.locator(".adopted").inner_text() and "朱亭村" in item.locator(".adopted").inner_text()
    row = Case.objects.get(pk=case.pk)
    assert row.category.code == "water_supply" and row.region.code == "430212101201"
    assert [e.action for e in Event.objects.filter(case=row).order_by("id")] == ["register", "categorize", "locate"]
    assert Case.objects.get(pk=other.pk).version == 0  # the other row untouched
    # the item's suggestion reloads for the new category: a department, no second adopt button
    item.locator(".suggestion").wait_for()
    assert item.locator("button.adopt").count() == 0
    shoot(page, "inbox-adopted")


def test_merge_is_confirmed_side_by_side_then_undone(tworld, live_server, browser):  # noqa: F811
    original = new_case(tworld, text="朱亭村三组停水两天了，老人孩子喝水都成问题")
    dup = new_case(tworld, text="朱亭村三组停水两天了，老人孩子都没水喝", phone="13700000000")
    page = as_user(browser, live_server, "disp_zt", width=1366)
    page.goto(f"{live_server.url}/case/{dup.pk}/")
    dups = page.locator("#duplicates")
    assert original.tracking_code in dups.inner_text() and "相似度" in dups.inner_text()
    shoot(page, "case-duplicates")
    dups.locator("a.merge-link").first.click()
    page.wait_for_url(f"**/case/{dup.pk}/merge/**")
    left, right = page.locator("#merge-this"), page.locator("#merge-original")
    assert "老人孩子都没水喝" in left.inner_text() and "老人孩子喝水都成问题" in right.inner_text()
    a, b = left.bounding_box(), right.bounding_box()
    assert abs(a["y"] - b["y"]) < 2 and b["x"] > a["x"] + a["width"] - 1  # side by side on a wide screen
    assert "相似度" in page.locator("#merge-score").inner_text()
    shoot(page, "merge-confirm")
    assert Case.objects.get(pk=dup.pk).state == "registered"  # nothing happens before the confirmation
    page.click("#merge-confirm")
    page.wait_for_url(f"**/case/{dup.pk}/")
    assert Case.objects.get(pk=dup.pk).state == "merged"
    # the reporter's tracking page follows the original now
    track = page.context.new_page()
    track.goto(f"{live_server.url}/t/{dup.tracking_code}/")
    assert original.tracking_code in track.content()
    # undo: the dispatcher's 撤销合并 on the merged case's page
    page.locator("#action-unmerge summary").click()
    page.fill("#action-unmerge textarea", "不是同一件事")
    shoot(page, "case-unmerge")
    page.locator("#action-unmerge button[type=submit]").click()
    page.wait_for_load_state()
    row = Case.objects.get(pk=dup.pk)
    assert row.state == "registered" and row.merged_into_id is None
    assert Event.objects.filter(case=row, action="unmerge").get().note == "不是同一件事"
    assert page.locator("#case-state").inner_text().strip() == "已登记"
    track.goto(f"{live_server.url}/t/{dup.tracking_code}/")
    html = track.content()
    assert original.tracking_code not in html and "已恢复单独办理" in html


def test_the_case_page_changes_the_category_with_a_searchable_field(tworld, live_server, browser):  # noqa: F811
    case = new_case(tworld)
    actions.assign(tworld.actor("disp_zt"), case, department="lk-water")
    page = as_user(browser, live_server, "disp_zt", width=390)
    page.goto(f"{live_server.url}/case/{case.pk}/")
    page.locator("#action-categorize summary").click()
    field = page.locator("#action-categorize input[list=category-names]")
    options = page.eval_on_selector_all("#category-names option", "os => os.map(o => o.value)")
    assert "道路交通" in options or any("道路" in o for o in options)
    name = next(o for o in options if "道路" in o)
    field.fill(name)
    shoot(page, "case-categorize")
    page.locator("#action-categorize button[type=submit]").click()
    page.wait_for_load_state()
    assert Case.objects.get(pk=case.pk).category.name == name
    assert Event.objects.filter(case=case, action="categorize").get().data["to"] == Case.objects.get(
        pk=case.pk).category.code


def test_portal_suggests_the_place_and_one_match_selects_the_category(tworld, live_server, browser):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/report/")
    page.fill("#id_text", "朱亭村三组停水两天了，老人孩子喝水都成问题")
    confirm = page.locator("#place-confirm")
    confirm.wait_for()
    assert "朱亭村" in page.locator("#place-suggestion").inner_text()
    shoot(page, "portal-place")
    confirm.click()
    page.wait_for_function("document.querySelector('#region-picker p') && "
                           "document.querySelector('#region-picker p').textContent.includes('朱亭村')")
    assert page.locator("#region-picker input[name=region]").input_value() == "430212101201"
    assert page.locator("#place-confirm").count() == 0
    # the cascading picker is still there as the fallback
    assert page.locator("select[name=region_pick]").count() >= 5
    # a search leaving one category selects it
    unique = Category.objects.get(code="water_supply").name_en
    page.fill("#category-search", unique)
    page.wait_for_function("document.querySelector('#id_category').value === 'water_supply'")
    page.fill("#id_reporter_name", "王五")
    page.click("#report-form button[type=submit]")
    code = page.locator("#tracking-code").inner_text().strip()
    case = Case.objects.get(tracking_code=code)
    assert case.region.code == "430212101201" and case.category.code == "water_supply"
