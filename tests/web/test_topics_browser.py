"""一类问题 and 工作专班 pages in real headless Chromium, at phone and desktop width:
readable titles, the 每月一题 candidate, cases one click away, adopting a topic as a
task force through the form, a progress note, the closed count and the intake effect."""

import os

import pytest

from minqing.cases import actions
from minqing.insights.models import TaskForce
from minqing.regions.models import Region

from .helpers import days_ago
from .test_browser import as_user, browser  # noqa: F401  (the module's Chromium fixture)

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SHOTS = os.environ.get("MQ_SHOTS")  # a directory: save the screenshots there to look at them

WATER = ["{}三组停水两天了，老人孩子喝水都成问题", "{}又停水了，一点水都没有，也没人通知", "{}自来水停水一整天了",
         "{}晚上经常没水，白天也停水"]
LIGHTS = ["{}主街路灯坏了，晚上黑漆漆的", "{}路灯不亮半个月了，老人晚上不敢出门", "{}路灯坏了好几盏"]


@pytest.fixture
def scene(tworld):
    w = tworld
    for code, name in (("430212101202", "黄龙村"), ("430212101203", "新湾村")):
        Region.objects.create(code=code, name=name, level="village", parent=w.regions["430212101"])
    disp, roads, rv = w.actor("disp_lk"), w.actor("roads"), w.actor("rv_lk")
    n = 0
    for village in ("430212101201", "430212101202", "430212101203", "430212102201"):
        name = Region.objects.get(code=village).name
        for t in WATER:
            n += 1
            actions.register(disp, text=t.format(name), channel="hotline", kind="complaint", category="water_supply",
                             region=village, reporter_name="张三", reporter_phone="13812345678", at=days_ago(n * 5))
    lights = []
    for i, t in enumerate(LIGHTS * 2):
        lights.append(actions.register(disp, text=t.format("朱亭村"), channel="web", kind="complaint",
                                       category="municipal_facilities", region="430212101201",
                                       reporter_name="李四", reporter_phone="13900001111", at=days_ago(3 + i * 5)))
    for c in lights[:3]:  # handled, two of them unsatisfied on the return visit
        actions.assign(disp, c, department="lk-roads", at=days_ago(2))
        actions.accept(roads, c, at=days_ago(2))
        actions.handle(roads, c, result="已更换灯泡", disposition="solved", at=days_ago(1))
    actions.visit_back(rv, lights[0], rating="satisfied", score=9)
    for c in lights[1:3]:
        actions.visit_back(rv, c, rating="unsatisfied", score=3, note="还是不亮")
    for i in range(3):
        actions.register(disp, text=f"龙船村有人聚众赌博，晚上很吵{i}", channel="hotline", kind="complaint",
                         category="public_security", region="430212102201", at=days_ago(10 + i))
    return w


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _no_sideways_scroll(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, (scroll, inner)


@pytest.mark.parametrize("width", [390, 1366])
def test_topics_page_and_taskforce(scene, live_server, browser, width):  # noqa: F811
    page = as_user(browser, live_server, "disp_lk", width=width)
    page.click("nav >> text=一类问题")
    page.wait_for_load_state()
    assert page.url.endswith("/insights/topics/")
    titles = page.locator("section.topic h2").all_inner_texts()
    assert titles[0] == "朱亭村路灯损坏", titles  # 6 cases, but unsatisfied visits and reopens weigh more
    assert "渌口区多个村反映停水" in titles and "龙船村聚众赌博" in titles
    first = page.locator("section.topic").first
    assert first.locator("[data-candidate]").count() == 1
    assert page.locator("[data-candidate]").count() == 1
    assert "渌口区交通运输局" in first.inner_text()
    _no_sideways_scroll(page)
    _shot(page, f"topics-{width}.png")
    # the cases are one click away, masked for the page as everywhere
    water = page.locator("section.topic", has_text="渌口区多个村反映停水")
    water.locator("details.topic-cases summary").click()
    links = water.locator("details.topic-cases a")
    assert links.count() == 16
    # adopt the water topic as a task force
    water.locator("details.adopt summary").click()
    water.locator("select[name=lead]").select_option("lk-water")
    water.locator("input[name=members][value=zt-office]").check()
    water.locator("textarea[name=goal]").fill("年底前完成朱亭镇、龙船镇主供水管改造，停水不超过一天")
    _shot(page, f"topics-adopt-{width}.png")
    water.locator("button[type=submit]").click()
    page.wait_for_load_state()
    tf = TaskForce.objects.get()
    assert page.url.endswith(f"/insights/taskforces/{tf.pk}/")
    assert tf.lead.code == "lk-water" and [d.code for d in tf.members.all()] == ["zt-office"]
    assert page.locator("h1").inner_text() == "渌口区多个村反映停水"
    assert page.locator("[data-key=closed] .value").inner_text().replace(" ", "") == "0/16"
    assert "成立前 8 周" in page.locator("#tf-effect").inner_text()
    page.fill("#note-text", "已完成四个村的管网摸排，朱亭村主管本周更换")
    page.click("#tf-notes button[type=submit]")
    page.wait_for_load_state()
    assert "已完成四个村的管网摸排" in page.locator("#tf-notes").inner_text()
    assert page.locator("#tf-cases li").count() == 16
    _no_sideways_scroll(page)
    _shot(page, f"taskforce-{width}.png")
    # back on the list the topic is taken: no longer the candidate, no second form
    page.goto(live_server.url + "/insights/topics/")
    water = page.locator("section.topic", has_text="渌口区多个村反映停水")
    assert water.locator("details.adopt").count() == 0 and water.locator("[data-candidate]").count() == 0
    page.context.close()


def test_pages_refused_and_scoped(scene, live_server, browser):  # noqa: F811
    page = as_user(browser, live_server, "water")
    assert page.goto(live_server.url + "/insights/topics/").status == 403
    page.context.close()
    page = as_user(browser, live_server, "disp_yx")
    assert page.goto(live_server.url + "/insights/topics/").status == 200
    assert page.locator("section.topic").count() == 0  # 渌口区's topics are not 攸县's to read
    page.context.close()


def test_topics_page_in_english(scene, live_server, browser):  # noqa: F811
    page = as_user(browser, live_server, "leader_city", width=390)
    page.goto(live_server.url + "/insights/topics/")
    page.click("nav button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Recurring problems"
    first = page.locator("section.topic").first
    assert "Problem-of-the-month candidate" in first.inner_text() and "Unsatisfied visits" in first.inner_text()
    assert first.locator("h2").inner_text() == "朱亭村路灯损坏"  # titles are data, like the cases' texts
    _no_sideways_scroll(page)
    _shot(page, "topics-en-390.png")
    page.context.close()
