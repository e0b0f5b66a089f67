"""The intake desk in real headless Chromium, keyboard only: an operator lands on the
desk with the phone field focused, a repeat caller is recognised as the number is typed,
place and category are filled from the text and a duplicate shows beside it, a call is
saved with the keyboard (tracking code shown big, form cleared, focus back on the phone),
a consultation is closed on the call; other roles get 403; no sideways scrolling at 390 px.
Screenshots at 390 and 1366 px go to $MINQING_SHOTS (default: the test's tmp dir)."""

import os
import pathlib

import pytest

from minqing.cases.models import Case, ReturnVisit
from minqing.people.models import Membership, Role

from .helpers import VILLAGE, days_ago, new_case, through
from .test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM_ARGS,  # noqa: F401 (the same Chromium flags)
    _limits,
    as_user,
    browser,
)

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def add_operator(world, name="op_lk", region="430212"):
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user(name, password=f"pw-{name}-123")
    Membership.objects.create(user=u, role=Role.OPERATOR, region=world.regions[region])
    world.users[name] = u
    return u


@pytest.fixture
def shots(tmp_path):
    out = pathlib.Path(os.environ.get("MINQING_SHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def desk(tworld):
    """An operator of 渌口区 and a caller who has called before (twice, one case closed)."""
    w = tworld
    add_operator(w)
    old = through(w, new_case(w, text="朱亭村三组停水两天了，老人孩子喝水都成问题", phone="138-0013-8000",
                              name="王大爷", at=days_ago(20)), "close")
    recent = new_case(w, text="朱亭村村口路灯坏了半个月，晚上出门看不见", category="municipal_facilities",
                      phone="13800138000", name="王大爷", at=days_ago(3))
    dup = new_case(w, text="朱亭村三组停水了，家里一滴水都没有", phone="13911112222", name="李四", at=days_ago(1))
    return {"old": old, "recent": recent, "dup": dup}


def desk_page(browser, live_server, name, width):
    page = as_user(browser, live_server, name, width=width)
    page.set_default_timeout(30000)  # a shared, busy machine
    return page


def focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def no_sideways_scroll(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, (scroll, inner)


@pytest.mark.parametrize("width", [390, 1366])
def test_a_repeat_call_registered_with_the_keyboard(tworld, live_server, browser, desk, shots, width):
    page = desk_page(browser, live_server, "op_lk", width)
    assert page.url.endswith("/work/intake/")
    assert focused_id(page) == "id_reporter_phone"
    kb = page.keyboard
    kb.type("138 0013 8000")
    page.wait_for_selector("#history-repeat")
    history = page.inner_text("#history")
    assert desk["old"].tracking_code in history and desk["recent"].tracking_code in history
    assert desk["dup"].tracking_code not in history
    kb.press("Tab")
    assert focused_id(page) == "id_reporter_name"
    kb.type("王大爷")
    kb.press("Tab")
    assert focused_id(page) == "id_channel"
    kb.press("Tab")
    assert focused_id(page) == "id_kind"
    kb.press("Tab")
    assert focused_id(page) == "id_text"
    kb.type("朱亭村三组又停水了，已经一天多，老人孩子喝水都成问题")
    page.wait_for_selector("#suggest-data", state="attached")
    # suggestions come while the text is typed (a partial text may suggest something else first)
    page.wait_for_function("([p, c]) => document.getElementById('id_place').value === p && "
                           "document.getElementById('id_category').value === c",
                           arg=[f"渌口区朱亭镇朱亭村 {VILLAGE}", "供水"])
    page.wait_for_selector(f"#duplicates li[data-code='{desk['dup'].tracking_code}']")
    no_sideways_scroll(page)
    page.screenshot(path=str(shots / f"intake-filled-{width}.png"), full_page=True)
    kb.press("Tab")
    assert focused_id(page) == "id_place"
    kb.press("Tab")
    assert focused_id(page) == "id_category"
    kb.press("Tab")
    assert focused_id(page) == "id_address"
    kb.type("三组12号")
    kb.press("Enter")  # Enter saves
    page.wait_for_selector("#done-code")
    case = Case.objects.exclude(pk__in=[c.pk for c in desk.values()]).get()
    assert page.inner_text("#done-code") == case.tracking_code
    assert case.reporter_phone == "138 0013 8000" and case.region.code == VILLAGE
    assert case.category.code == "water_supply" and case.address == "三组12号" and case.created_by.username == "op_lk"
    assert case.channel == "hotline" and case.state == "registered"
    # the form is cleared and the phone field has the focus for the next call
    assert focused_id(page) == "id_reporter_phone"
    assert page.input_value("#id_reporter_phone") == "" and page.input_value("#id_text") == ""
    size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('done-code')).fontSize)")
    assert size >= 30
    no_sideways_scroll(page)
    page.screenshot(path=str(shots / f"intake-done-{width}.png"), full_page=True)
    page.context.close()


def test_a_form_sent_twice_at_once_makes_one_case(tworld, live_server, browser, desk):
    page = desk_page(browser, live_server, "op_lk", 1366)
    page.fill("#id_reporter_phone", "13700009999")
    page.fill("#id_text", "朱亭村村部门口的下水道堵了，污水漫到路上")
    statuses = page.evaluate("""async () => {
        const f = document.getElementById('intake-form');
        const send = () => fetch(f.action, {method: 'POST', body: new FormData(f), redirect: 'manual'});
        const rs = await Promise.all([send(), send(), send()]);
        return rs.map(r => r.type === 'opaqueredirect' ? 302 : r.status);
    }""")
    assert statuses == [302, 302, 302]
    assert Case.objects.filter(reporter_phone="13700009999").count() == 1
    page.context.close()


def test_a_consultation_closed_on_the_call(tworld, live_server, browser, desk, shots):
    page = desk_page(browser, live_server, "op_lk", 390)
    kb = page.keyboard
    kb.type("13700001234")
    page.wait_for_selector("#history-none")
    kb.press("Tab")
    kb.type("赵女士")
    kb.press("Tab")  # channel
    kb.press("Tab")  # kind
    page.select_option("#id_kind", "enquiry")  # a select changes with the arrow keys too; this is the value
    page.focus("#id_text")
    kb.type("想问一下朱亭村新农合医保今年在哪里缴费，截止到什么时候")
    page.wait_for_selector("#suggest-data", state="attached")
    for _ in range(4):  # place, category, address, the on-call box
        kb.press("Tab")
    assert focused_id(page) == "id_on_call"
    assert not page.is_visible("#id_result")
    kb.press("Space")
    assert page.is_visible("#id_result")
    kb.press("Tab")
    assert focused_id(page) == "id_result"
    kb.type("已告知：到朱亭镇便民服务中心或微信小程序缴费，12月31日截止")
    kb.press("Tab")
    assert focused_id(page) == "id_rating"
    page.select_option("#id_rating", "satisfied")
    page.screenshot(path=str(shots / "intake-oncall-390.png"), full_page=True)
    kb.press("Control+Enter")
    page.wait_for_selector("#done-code")
    case = Case.objects.get(reporter_phone="13700001234")
    assert page.inner_text("#done-code") == case.tracking_code
    assert "当场办结" in page.inner_text("#intake-done")
    assert case.state == "closed" and case.mode == "immediate" and case.kind == "enquiry"
    assert [e.action for e in case.events.all()] == ["register", "handle", "visit_back"]
    assert ReturnVisit.objects.get(case=case).rating == "satisfied"
    page.context.close()


def test_an_unsatisfied_caller_is_not_closed_on_the_call(tworld, live_server, browser, desk):
    page = desk_page(browser, live_server, "op_lk", 1366)
    page.fill("#id_reporter_phone", "13700005678")
    page.fill("#id_text", "咨询朱亭村危房改造补助怎么申请")
    page.check("#id_on_call")
    page.fill("#id_result", "已解释申请条件")
    page.select_option("#id_rating", "unsatisfied")
    page.click("#intake-save")
    page.wait_for_selector(".field-error #id_rating")
    assert "不能当场办结" in page.inner_text(".intake-close")
    assert not Case.objects.filter(reporter_phone="13700005678").exists()
    assert page.input_value("#id_text") == "咨询朱亭村危房改造补助怎么申请"
    page.context.close()


def test_other_roles_are_refused(tworld, live_server, browser):
    for who in ("water", "leader_city"):
        page = as_user(browser, live_server, who, width=390)
        resp = page.goto(live_server.url + "/work/intake/")
        assert resp.status == 403
        assert page.locator("a[href='/work/intake/']").count() == 0
        page.context.close()
    page = as_user(browser, live_server, "disp_zt", width=1366)
    page.click("a[href='/work/intake/']")
    page.wait_for_selector("#intake-form")
    page.context.close()
