"""The partner's desk in headless Chromium (390 px and 1366 px): the partner's contact logs in, lands on
合伙人工作台, sees only its task with the case's contact masked, completes the task, reports on a summons
and claims a wish; a cadre sees the wishes board."""

import os

import pytest
from casebuild import register, to_state
from web.test_browser import as_user, browser  # noqa: F401 - the module-scoped Chromium fixture

from minqing.cases import actions as case_actions
from minqing.cases.models import Task
from minqing.partners import actions
from minqing.partners.models import Wish

from .conftest import make_partner_world

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def login(browser, live_server, name, width):
    return as_user(browser, live_server, name, width, timeout=20000)


def no_sideways(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner + 1, (scroll, inner)


@pytest.mark.parametrize("width", [390, 1366])
def test_partner_answers_its_task(tworld, live_server, browser, width):
    w = make_partner_world(tworld)
    case = to_state(w, "in_progress", text="朱亭村3栋水箱脏，住户张三13812340000反映")
    other = register(w, text="龙船村路灯不亮", region="430212102201")
    task = case_actions.create_task(w.actor("water"), title="物业配合清洗水箱", partner="ZT-WY", cases=[case.pk])
    actions.do_summon_partner(w.actor("disp_zt"), case, partner="ZT-WY", note="请物业到场")
    wish = actions.do_register_wish(w.actor("cadre_zt"), text="独居老人想要一台收音机", region="430212101201")
    page = login(browser, live_server, "liu", width)
    assert page.url.endswith("/partners/tasks/")
    assert page.locator("h1").inner_text().strip() == "合伙人工作台"
    main = page.inner_text("main")
    assert "物业配合清洗水箱" in main and case.tracking_code in main and other.tracking_code not in main
    assert "13812340000" not in main  # the reporter's phone is masked for the partner
    no_sideways(page)
    page.fill(f"[data-task='{task.pk}'] textarea[name=outcome]", "已清洗水箱并消毒")
    page.click(f"[data-task='{task.pk}'] button[type=submit]")
    page.wait_for_load_state()
    assert "任务已完成" in page.inner_text("main")
    task.refresh_from_db()
    assert task.status == Task.DONE and task.outcome == "已清洗水箱并消毒"
    page.fill("#partner-summons textarea[name=text]", "物业经理已到场")
    page.click("#partner-summons button[type=submit]")
    page.wait_for_load_state()
    assert case.events.filter(action="partner_reported").exists()
    page.click("#partner-wishes button:has-text('认领')")
    page.wait_for_load_state()
    wish.refresh_from_db()
    assert wish.status == Wish.CLAIMED and wish.partner.code == "ZT-WY"
    no_sideways(page)
    # the case page opens for the partner; another case does not
    page.goto(live_server.url + f"/case/{case.pk}/")
    assert case.tracking_code in page.inner_text("main")
    r = page.goto(live_server.url + f"/case/{other.pk}/")
    assert r.status == 404


def test_cadre_wishes_board(tworld, live_server, browser):
    w = make_partner_world(tworld)
    actions.do_register_wish(w.actor("cadre_zt"), text="想学用智能手机", region="430212101201")
    page = login(browser, live_server, "cadre_zt", 390)
    page.goto(live_server.url + "/partners/wishes/")
    page.click("main button:has-text('认领')")
    page.wait_for_load_state()
    page.fill("input[name=outcome]", "上门教学两次")
    page.click("main button:has-text('已实现')")
    page.wait_for_load_state()
    assert Wish.objects.get().status == Wish.FULFILLED
    assert "1 / 1" in page.inner_text("main").replace("\n", " ")
    no_sideways(page)
    page.goto(live_server.url + "/partners/")
    assert "朱亭物业公司" in page.inner_text("main")
    no_sideways(page)
