"""The campaign pages in real headless Chromium at 390 px and 1366 px: a leader creates a
campaign on the page and reviews submissions (adopt, merge, answer), the public page shows
the adopted idea masked, the 金果子 board; no page scrolls sideways."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from minqing.ideas.models import Campaign, CampaignCase
from tests.web.test_browser import CHROMIUM_ARGS, _limits, as_user, browser  # noqa: F401  (fixtures)

from .helpers import submit, to_state

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _no_side_scroll(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, (page.url, scroll, inner)


@pytest.mark.parametrize("width", [390, 1366])
def test_create_review_and_public_page(tworld, live_server, browser, width):  # noqa: F811
    base = live_server.url
    page = as_user(browser, live_server, "leader_city", width=width)
    page.goto(base + "/ideas/")
    _no_side_scroll(page)
    page.click("#new-campaign")
    _no_side_scroll(page)
    today = timezone.localdate()
    page.fill("#id_slug", "jdz-browser")
    page.fill("#id_title", "浏览器里发起的金点子征集")
    page.select_option("#id_region", "430200")
    page.fill("#id_starts", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#id_ends", (today + dt.timedelta(days=30)).isoformat())
    page.fill("#id_target_groups", "全体市民")
    page.fill("#id_description", "请为家乡发展建言献策")
    page.click("#campaign-save")
    page.wait_for_url("**/ideas/jdz-browser/review/")
    c = Campaign.objects.get(slug="jdz-browser")
    a = submit(tworld, c, text="建议在朱亭村建老年活动中心，联系人：王小明，电话13812345678")
    b = submit(tworld, c, text="朱亭村缺少老年人活动的地方")
    d = submit(tworld, c, text="建议增加公交班次")
    page.reload()
    _no_side_scroll(page)
    assert "13812345678" not in page.content()
    # adopt a
    page.click(f"#link-{a.pk} details summary")
    page.fill(f"#adopt-topic-{a.pk}", "养老服务")
    page.fill(f"#adopt-note-{a.pk}", "纳入明年民生实事")
    page.click(f"#link-{a.pk} .adopt-form button[type=submit]")
    page.wait_for_selector(f"#link-{a.pk}[data-status=adopted]")
    assert page.inner_text("#fig-adopted") == "1"
    # merge b into a
    page.click(f"#link-{b.pk} details summary")
    page.select_option(f"#merge-into-{b.pk}", str(a.pk))
    page.click(f"#link-{b.pk} .merge-form button[type=submit]")
    page.wait_for_selector(f"#link-{b.pk}[data-status=merged]")
    # answer d
    page.click(f"#link-{d.pk} details summary")
    page.fill(f"#answer-text-{d.pk}", "感谢建议，已转交通部门")
    page.click(f"#link-{d.pk} .answer-form button[type=submit]")
    page.wait_for_selector(f"#link-{d.pk}[data-status=answered]")
    # record the outcome of the adopted idea
    page.click(f"#link-{a.pk} details summary")
    page.fill(f"#outcome-text-{a.pk}", "活动中心已建成开放")
    page.check(f"#link-{a.pk} .outcome-form input[name=implemented]")
    page.click(f"#link-{a.pk} .outcome-form button[type=submit]")
    page.wait_for_selector(f"#link-{a.pk} .badge.green")
    _no_side_scroll(page)
    assert dict(CampaignCase.objects.values_list("pk", "status")) == {a.pk: "adopted", b.pk: "merged",
                                                                      d.pk: "answered"}
    page.context.close()
    # the public page, without logging in
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    public = ctx.new_page()
    public.set_default_timeout(15000)
    assert public.goto(base + "/ideas/jdz-browser/").status == 200
    _no_side_scroll(public)
    adopted = public.inner_text("#adopted-list")
    assert "养老服务" in adopted and "活动中心已建成开放" in adopted and "138****5678" in adopted
    assert "13812345678" not in public.content() and "王小明" not in public.content()
    assert public.locator(".ideas-qr svg").count() == 1
    assert len(public.locator("#case-list .submission").all()) == 3
    public.click("#take-part")
    public.wait_for_url("**/report/?campaign=jdz-browser")
    assert public.input_value("input[name=campaign]") == "jdz-browser"
    ctx.close()


def test_typical_board_in_chromium(tworld, live_server, browser):  # noqa: F811
    closed = to_state(tworld, "closed")
    page = as_user(browser, live_server, "disp_zt", width=390)
    page.goto(live_server.url + f"/ideas/typical/{closed.pk}/")
    page.fill("#id_title", "连夜抢修恢复供水")
    page.fill("#id_writeup", "水务局当晚到场抢修，次日恢复供水")
    page.click("#typical-form button[type=submit]")
    page.wait_for_url("**/board/typical/")
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        assert "连夜抢修恢复供水" in page.inner_text("#typical-list")
        _no_side_scroll(page)
    page.context.close()
