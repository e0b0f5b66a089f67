"""The visit pages in real headless Chromium with demo-like data, at phone (390 px) and desktop (1366 px)
width: the menu leads there, a cadre records a visit with a problem from the phone, the drill-down,
coverage (names, masked for a supervisor) and the plan read right, and nothing scrolls sideways.

``MINQING_SCREENSHOTS=DIR`` keeps a PNG of every page walked."""

import datetime as dt
import os
from pathlib import Path

import pytest

from minqing.cases.models import Case
from minqing.people.models import Profile
from minqing.people.scoping import Actor
from minqing.visits import actions
from minqing.visits.models import CoverageRule, Visit

from .conftest import make_cadre, make_subject

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = os.environ.get("MINQING_SCREENSHOTS")
NAMES = ["王建国", "李秀英", "张桂兰", "刘志强", "陈海燕", "杨德明", "黄春花", "赵国平", "吴红梅", "周丽华",
         "徐伟", "孙芳"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def town(tworld, settings):
    """朱亭镇 as the demo has it: named cadres, households with tags on the village and its grid, a
    development-zone enterprise on the county, visits over three months with a 屋场夜话 whose problem
    became a case, and the coverage rules."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()
    w = tworld
    CoverageRule.objects.all().delete()
    CoverageRule.objects.create(name="低保户每季度走访", target="household", tag="低保户", period="quarter")
    CoverageRule.objects.create(name="重点企业每季度由处级以上干部走访", target="enterprise", tag="重点企业",
                                min_rank="division", period="quarter")
    for username, name, unit in [("disp_lk", "周敏", "渌口区民情调度中心"), ("sup_lk", "郑强", "渌口区督查室"),
                                 ("cadre_zt", "陈红", "朱亭镇网格管理中心"), ("disp_zt", "何静", "朱亭镇党政综合办")]:
        Profile.objects.update_or_create(user=w.users[username], defaults={"display_name": name, "unit": unit})
    make_cadre(w, "li", rank="section", name="李明", unit="朱亭镇党委")
    make_cadre(w, "lk1", rank="division", region="430212", name="罗卫东", unit="渌口区委组织部")
    for i, name in enumerate(NAMES):
        tags = [t for t, every in (("低保户", 3), ("独居老人", 4), ("退役军人", 5)) if i % every == 0]
        make_subject(w, f"H{i:02d}", name=name, tags=tags, region="430212101201-G1" if i % 2 else "430212101201",
                     phone=f"1380000{i:04d}", address=f"朱亭村{i % 6 + 1}组{i + 3}号")
    actions.save_subject(Actor.system(), external_id="E01", kind="enterprise", name="渌口经开区湘农陶瓷有限公司",
                         region="430212", credit_code=_credit(), tags=["重点企业", "规上企业"], address="渌口经开区")
    sys = Actor.system()
    actions.pair(sys, cadre="li", subjects=[f"H{i:02d}" for i in range(8)], role="结对")
    actions.pair(sys, cadre="li", subjects=["H00", "H04"], role="红色管家")
    actions.pair(sys, cadre="lk1", subjects=["E01"], role="联系户")
    today = dt.date.today()
    for i in range(6):
        actions.record_visit(sys, cadre="li", subjects=[f"H{i:02d}"], date=today - dt.timedelta(days=3 + 9 * i),
                             method=["door", "phone", "wechat"][i % 3], notes="入户了解家庭近况，老人身体尚可。")
    actions.record_visit(sys, cadre="lk1", subjects=["E01"], date=today - dt.timedelta(days=12), method="door",
                         notes="走访企业了解用工和订单情况。")
    w.meeting = actions.record_visit(
        w.actor("li"), cadre="li", subjects=["H02", "H03", "H05", "H07"], date=today - dt.timedelta(days=5),
        method="夜话", notes="屋场夜话：围绕朱亭村人居环境整治，群众提了6条意见，现场解答3条。",
        problems=[{"text": "朱亭村二组到三组的机耕道塌了一段，农机下不了田", "category": "roads_transport",
                   "subject": "H03"}])
    return w


def _credit():
    from minqing.visits.creditcode import make

    return make("91430212MA4L00001")


def login(browser, live_server, name, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}-123")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def look(page, name, width):
    """No sideways scrolling; keep a screenshot when asked."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner + 1, (name, width, scroll, inner)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"visits-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 1366])
def test_cadre_records_a_visit_from_the_menu(town, live_server, browser, width):
    page = login(browser, live_server, "li", width)
    page.click("nav a[href='/visits/']")
    assert page.locator("h1").inner_text().strip() == "走访"
    assert "王建国" in page.inner_text("main")  # paired households by name
    look(page, "home", width)
    page.click("main a[href='/visits/new/']")
    page.check("input[name=subjects][value=H01]")
    page.check("input[name=method][value=door]")
    page.fill("#notes", "上门看望，了解到冬季取暖用电不稳。")
    page.fill("textarea[name=problem_text] >> nth=0", "朱亭村一组电压不稳，晚上电灯忽明忽暗")
    page.select_option("select[name=problem_category] >> nth=0", "other")
    look(page, "new", width)
    page.click("main button[type=submit]:has-text('保存')")
    page.wait_for_url("**/visits/*/")
    main = page.inner_text("main")
    assert "李明 · 朱亭镇党委" in main and "李秀英" in main and "电压不稳" in main
    visit = Visit.objects.filter(notes__startswith="上门看望").get()
    assert visit.cases.get().channel == "visit"
    look(page, "visit", width)


@pytest.mark.parametrize("width", [390, 1366])
def test_drill_down_coverage_and_plan(town, live_server, browser, width):
    page = login(browser, live_server, "disp_lk", width)
    # the menu's coverage link
    page.click("nav a[href='/visits/coverage/']")
    main = page.inner_text("main")
    assert "走访覆盖率" in main and "低保户每季度走访" in main
    never = page.inner_text("#never")
    assert "孙芳" in never and "H11" not in never  # names, not ids (a dispatcher sees them in full)
    look(page, "coverage", width)
    page.goto(live_server.url + "/visits/region/430212/")
    assert "渌口经开区湘农陶瓷有限公司" in page.inner_text("#subjects")  # registered on the county
    look(page, "region-county", width)
    page.goto(live_server.url + "/visits/region/430212101201/")
    assert "王建国" in page.inner_text("#subjects")
    look(page, "region-village", width)
    page.goto(live_server.url + "/visits/subject/H03/")
    main = page.inner_text("main")
    assert "机耕道" in main and "李明" in main and "李明（" not in main
    look(page, "subject", width)
    page.goto(live_server.url + f"/visits/{town.meeting.pk}/")
    main = page.inner_text("main")
    assert "夜话" in main and "张桂兰" in main and "机耕道" in main
    look(page, "meeting", width)
    page.goto(live_server.url + "/visits/plan/?region=430212&run=1&load=2&per_visit=5")
    main = page.inner_text("main")
    assert "派遣明细" in main and "合计" in main
    assert "渌口区" in page.inner_text("#places")
    look(page, "plan", width)
    # a case found in the meeting: its page names the cadre, not the login
    case = Case.objects.get(text__startswith="朱亭村二组")
    page.goto(live_server.url + f"/case/{case.pk}/")
    assert "李明（朱亭镇党委）" in page.inner_text("#timeline")
    look(page, "case", width)


def test_supervisor_sees_masked_names(town, live_server, browser):
    page = login(browser, live_server, "sup_lk", 390)
    page.goto(live_server.url + "/visits/coverage/?region=430212")
    never = page.inner_text("#never")
    assert "孙*" in never and "孙芳" not in never
