"""查看联系方式 in real headless Chromium: a supervisor reads a case masked, reveals the
contact data with a reason (logged), and the public tracking page and board stay masked.
Set MASK_SHOTS=DIR to keep screenshots of each step at 390 px and 1366 px."""

import os

import pytest

from minqing.cases import actions
from minqing.people.models import ContactAccess

from .helpers import new_case
from .test_browser import as_user, browser  # noqa: F401  (the module's Chromium fixture)

pytestmark = pytest.mark.browser

TEXT = ("朱亭村三组停水两天了，老人孩子喝水都成问题。联系人：王晓明，手机 138 0013 8000，"
        "家里座机0731-22334455，邮箱wangxm@163.com。2026-11-03 报修过一次，12号楼没人管。")
RESULT = "已抢修管道，恢复供水。如再停水请联系维修班刘师傅 139-1234-5678，或拨打12345热线。"


@pytest.fixture(autouse=True)
def _limits(settings, transactional_db):
    from django.core.cache import cache

    cache.clear()


def shot(page, name):
    out = os.environ.get("MASK_SHOTS")
    if out:
        os.makedirs(out, exist_ok=True)
        page.screenshot(path=os.path.join(out, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 1366])
def test_supervisor_reveals_contact_with_a_reason(tworld, live_server, browser, width):  # noqa: F811
    w = tworld
    case = new_case(w, text=TEXT, address="朱亭村三组12号，户主李晓梓", name="王晓明", phone="13800138000")
    actions.assign(w.actor("disp_zt"), case, department="lk-water")
    actions.accept(w.actor("water"), case)
    actions.progress(w.actor("water"), case, note="已联系反映人王晓明（13800138000），明早抢修", public=True)
    actions.handle(w.actor("water"), case, result=RESULT, disposition="solved")

    page = as_user(browser, live_server, "sup_lk", width=width)
    page.goto(f"{live_server.url}/case/{case.pk}/")
    body = page.inner_text("main")
    assert "138****8000" in body and "王**" in body and "0731-****4455" in body and "w***@163.com" in body
    for secret in ("13800138000", "0013", "22334455", "王晓明", "wangxm@", "1234-5678", "李晓梓"):
        assert secret not in body, secret
    assert "2026-11-03" in body and "12号楼" in body and "12345热线" in body
    assert page.is_visible("#reveal-contact summary")
    shot(page, f"case-masked-{width}")

    page.click("#reveal-contact summary")
    shot(page, f"case-reveal-form-{width}")
    page.click("#reveal-contact button[type=submit]")  # empty reason: the browser keeps the form
    assert not ContactAccess.objects.exists()
    page.fill("#reveal-reason", "电话回访前核对号码")
    page.click("#reveal-contact button[type=submit]")
    page.wait_for_load_state()
    body = page.inner_text("main")
    assert page.is_visible("#contact-revealed")
    assert "13800138000" in page.inner_text("#reporter") and "王晓明" in page.inner_text("#reporter")
    assert "0731-22334455" in body and "wangxm@163.com" in body and "139-1234-5678" in body
    shot(page, f"case-revealed-{width}")
    log = ContactAccess.objects.get()
    assert (log.username, log.case_id, log.reason, log.via) == ("sup_lk", case.pk, "电话回访前核对号码", "web")
    page.context.close()

    public = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
    for url in (f"/t/{case.tracking_code}/", "/board/"):
        public.goto(live_server.url + url)
        body = public.inner_text("main")
        for secret in ("13800138000", "0013", "22334455", "王晓明", "wangxm@", "1234-5678"):
            assert secret not in body, (url, secret)
        assert "138****8000" in body or url == "/board/"
        shot(public, ("track" if url.startswith("/t/") else "board") + f"-{width}")
    scroll, inner = public.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    public.close()
