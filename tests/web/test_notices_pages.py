"""消息提醒 pages: the header's unread count on every page, /work/notices/ (newest first,
unread marked, open → case and read, 全部已读, paged, own only), the department
workbench's supervision orders and summons inline; and in headless Chromium a
handler sees the badge and the order on the workbench and opens the notices."""

import datetime as dt
import os
import re

import pytest
from django.test import Client
from django.utils import timezone

from minqing.cases import actions
from minqing.people.models import Notification

from .helpers import new_case, through


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def supervised_case(world, note="群众反映强烈，三天内恢复供水"):
    case = through(world, new_case(world), upto="accept")
    due = timezone.localdate() + dt.timedelta(days=3)
    actions.supervise(world.actor("sup_lk"), case, note=note, due=due)
    return case, due


def nav_count(html):
    m = re.search(r'id="nav-notices"[^>]*>[^<]*(?:<span class="count"[^>]*>([^<]*)</span>)?', html)
    assert m, "the header links to the notices"
    return m.group(1)


def test_header_shows_the_unread_count_on_every_page(world):
    supervised_case(world)
    c = login(world, "water")
    for url in ("/work/dept/", "/work/cases/", "/work/notices/"):
        assert nav_count(c.get(url).content.decode()) == "2", url  # assigned + supervised
    assert nav_count(login(world, "roads").get("/work/cases/").content.decode()) is None


def test_header_count_is_one_query(world, django_assert_max_num_queries):
    supervised_case(world)
    c = login(world, "water")
    c.get("/work/notices/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        c.get("/work/cases/")
    counts = [x["sql"] for x in q.captured_queries if "people_notification" in x["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()


def test_notices_page_lists_newest_first_opens_and_marks_read(world):
    case, _ = supervised_case(world)
    c = login(world, "water")
    html = c.get("/work/notices/").content.decode()
    assert html.index("督办：案件") < html.index("新交办案件")  # newest first
    assert html.count('class="notice unread"') == 2
    sup = Notification.objects.get(user=world.users["water"], kind="supervised")
    resp = c.get(f"/work/notices/{sup.pk}/")
    assert resp.status_code == 302 and resp["Location"] == f"/case/{case.pk}/"
    sup.refresh_from_db()
    assert sup.read_at is not None
    html = c.get("/work/notices/").content.decode()
    assert html.count('class="notice unread"') == 1 and nav_count(html) == "1"
    assert c.get("/work/notices/?unread=1").content.decode().count('<li class="notice') == 1
    resp = c.post("/work/notices/read_all/")
    assert resp.status_code == 302
    html = c.get("/work/notices/").content.decode()
    assert 'class="notice unread"' not in html and nav_count(html) is None


def test_another_persons_notice_is_404_and_the_list_is_own_only(world):
    supervised_case(world)
    mine = Notification.objects.filter(user=world.users["water"]).first()
    roads = login(world, "roads")
    assert roads.get(f"/work/notices/{mine.pk}/").status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None
    assert "notice unread" not in roads.get("/work/notices/").content.decode()
    assert roads.get("/work/notices/read_all/").status_code == 405
    assert Client().get("/work/notices/").status_code == 302  # login first


def test_notices_page_is_paged(world):
    user = world.users["water"]
    Notification.objects.bulk_create([
        Notification(user=user, kind="overdue", message=f"{i} 件案件超期", data={"n": i},
                     created_at=timezone.now() - dt.timedelta(minutes=i)) for i in range(1, 26)
    ])
    c = login(world, "water")
    first = c.get("/work/notices/").content.decode()
    assert first.count('class="notice unread"') == 20 and "page=2" in first
    assert ">1 件案件超期" in first and ">25 件案件超期" not in first
    second = c.get("/work/notices/?page=2").content.decode()
    assert second.count('class="notice unread"') == 5 and ">25 件案件超期" in second
    assert c.get("/work/notices/?page=x").status_code == 200  # the first page
    assert c.get("/work/notices/?page=" + "9" * 30).status_code == 404


def test_english_notices(world):
    supervised_case(world)
    c = login(world, "water")
    c.cookies["django_language"] = "en"
    html = c.get("/work/notices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Supervision order" in html and "督办：案件" not in html


def test_workbench_shows_supervision_orders_and_summons_inline(world):
    case, due = supervised_case(world)
    whistled = through(world, new_case(world, text="朱亭村路面塌陷", category="roads_transport"), upto="accept")
    actions.whistle(world.actor("disp_zt"), whistled, departments=["lk-water"],
                    deadline=timezone.localdate() + dt.timedelta(days=2))
    c = login(world, "water")
    html = c.get("/work/dept/?tab=doing").content.decode()
    item = html[html.index(f'id="case-{case.pk}"'):]
    item = item[: item.index("</li>")]
    assert "badge supervise" in item and due.isoformat() in item and "群众反映强烈" in item
    assert 'id="asks"' in html and "?tab=supervised" in html and "?tab=summoned" in html
    listed = c.get("/work/dept/?tab=supervised").content.decode()
    assert f'id="case-{case.pk}"' in listed and f'id="case-{whistled.pk}"' not in listed
    summoned = c.get("/work/dept/?tab=summoned").content.decode()
    item = summoned[summoned.index(f'id="case-{whistled.pk}"'):]
    assert "badge summons" in item[: item.index("</li>")] and "#action-report" in item
    # answered: the order is resolved, the badge goes
    actions.handle(world.actor("water"), case, result="已恢复供水", disposition="solved")
    assert "badge supervise" not in c.get("/work/dept/?tab=done").content.decode()


# ---- headless Chromium ---------------------------------------------------------------

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = os.environ.get("MINQING_NOTICE_SHOTS")  # a directory: save the pages' screenshots there


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_handler_sees_badge_and_order_then_opens_notices(tworld, live_server, browser, width):
    from django.core.cache import cache

    cache.clear()
    case, due = supervised_case(tworld)
    others = [through(tworld, new_case(tworld, text=f"朱亭村{n}组水压太低，楼上用不了水"), upto="accept") for n in (2, 5)]
    actions.whistle(tworld.actor("disp_zt"), others[0], departments=["lk-water"])
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "water")
    page.fill("#id_password", "pw-water-123")
    page.click("main button[type=submit]")
    page.wait_for_url("**/work/dept/")
    assert page.locator("#nav-notices .count").inner_text() == "5"  # 3 assigned, 1 supervised, 1 summoned
    page.goto(live_server.url + "/work/dept/?tab=doing")
    order = page.locator(f"#case-{case.pk} .ask.supervise")
    assert order.is_visible() and due.isoformat() in order.inner_text() and "群众反映强烈" in order.inner_text()
    assert page.locator("#asks").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, f"dept-{width}.png")
    page.click("#nav-notices")
    page.wait_for_url("**/work/notices/")
    assert page.locator(".notice.unread").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, f"notices-{width}.png")
    page.locator(".notice.unread", has_text="督办").first.locator("a").click()
    page.wait_for_url(f"**/case/{case.pk}/")
    assert page.locator("#nav-notices .count").inner_text() == "4"
    page.goto(live_server.url + "/work/notices/")
    page.click("#read-all")
    page.wait_for_url("**/work/notices/")
    assert page.locator(".notice.unread").count() == 0 and page.locator("#nav-notices .count").count() == 0
    shot(page, f"notices-read-{width}.png")
    # in English: the texts are rendered from each notice's kind and data
    page.click("nav button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Notices")
    assert page.locator(".notice", has_text="Supervision order: case").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, f"notices-en-{width}.png")
    page.goto(live_server.url + "/work/dept/?tab=doing")
    assert "to be acted on by" in page.locator(f"#case-{case.pk} .ask.supervise").inner_text()
    shot(page, f"dept-en-{width}.png")
    ctx.close()
