"""/work/backlog/, /work/reception/ and /policies/ in real headless Chromium at 390 and 1366 px:
a leader takes a case from the backlog, records an agreement, schedules a reception and
registers a case there; a cadre sees what to bring on the subject page and records a delivery."""

import datetime as dt
import os

import pytest
from casebuild import register
from django.utils import timezone
from visits.conftest import make_cadre, make_subject
from web.test_browser import as_user, browser  # noqa: F401  (the module's Chromium fixture)

from minqing.backlog.models import Agreement
from minqing.cases.models import Case
from minqing.people.scoping import Actor
from minqing.policies import actions as policy_actions
from minqing.policies.models import Delivery
from minqing.visits import actions as visit_actions

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _clean_cache(transactional_db):
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def scene(tworld):
    from django.contrib.auth import get_user_model

    from minqing.people.models import Membership, Profile

    u = get_user_model().objects.create_user("leader_lk", password="pw-leader_lk-123")
    Membership.objects.create(user=u, role="leader", region=tworld.regions["430212"])
    Profile.objects.create(user=u, display_name="周区长", unit="渌口区人民政府")
    tworld.users["leader_lk"] = u
    old = timezone.now() - dt.timedelta(days=50)
    tworld.petition = register(tworld, channel="petition", at=old, text="朱亭村征地补偿款三年未到位，多次上访未解决")
    tworld.hotline = register(tworld, at=old + dt.timedelta(days=2), text="龙船村道路塌陷一直没修")
    register(tworld, text="今天刚反映的停水")  # fresh: not in the backlog
    make_subject(tworld, "H1", region="430212101201", tags=["高龄老人"], name="王建国")
    make_subject(tworld, "H2", region="430212101201", tags=["高龄老人"], name="李秀英")
    cadre = make_cadre(tworld, "cadre_a")
    visit_actions.pair(Actor.system(), cadre=cadre, subjects=["H1"])
    policy_actions.do_save_policy(tworld.actor("disp_lk"), code="elder-subsidy", name="高龄津贴",
                                  department="lk-housing", benefit="每月200元",
                                  eligibility={"kind": "household", "tags_any": ["高龄老人"], "region": "430212"})
    return tworld


def _no_sideways_scroll(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, (scroll, inner)


@pytest.mark.parametrize("width", [390, 1366])
def test_backlog_and_reception_pages(scene, live_server, browser, width, tmp_path):  # noqa: F811
    page = as_user(browser, live_server, "leader_lk", width=width)
    page.click("nav >> text=包案积案")
    page.wait_for_load_state()
    assert page.url.endswith("/work/backlog/")
    rows = page.locator("section.backlog-row")
    assert rows.count() == 2
    first = rows.first
    assert first.get_attribute("data-case") == str(scene.petition.pk)
    assert first.locator("[data-petition]").count() == 1
    assert "50" in first.locator("[data-age]").inner_text()
    assert page.locator("[data-key=backlog_open] strong").inner_text() == "2"
    _no_sideways_scroll(page)
    # 包案
    first.locator("[data-own]").click()
    page.wait_for_load_state()
    first = page.locator(f"section.backlog-row[data-case='{scene.petition.pk}']")
    assert "周区长" in first.locator("[data-owner]").inner_text()
    assert Case.objects.get(pk=scene.petition.pk).leader.username == "leader_lk"
    # 息访协议
    doc = tmp_path / "协议.pdf"
    doc.write_bytes(PDF)
    first.locator("details.bl-agree summary").click()
    first.locator("input[name=signed_on]").fill(dt.date.today().isoformat())
    first.locator("input[name=parties]").fill("渌口区人民政府；王某")
    first.locator("input[name=document]").set_input_files(str(doc))
    first.locator("details.bl-agree button[type=submit]").click()
    page.wait_for_load_state()
    assert Agreement.objects.filter(case=scene.petition).count() == 1
    assert page.locator(f"section.backlog-row[data-case='{scene.petition.pk}'] [data-agreements]").inner_text() == "1"
    assert page.locator("[data-key=agreements_signed] strong").inner_text() == "1"
    # mine
    page.click("#backlog-filter >> text=我包的")
    page.wait_for_load_state()
    assert page.locator("section.backlog-row").count() == 1
    _no_sideways_scroll(page)
    # 固定接待日: schedule one today and register a case there
    page.goto(live_server.url + "/work/reception/")
    page.select_option("#reception-form select[name=leader]", "leader_lk")
    page.fill("#reception-form input[name=date]", dt.date.today().isoformat())
    page.fill("#reception-form input[name=place]", "渌口区信访局一楼接待室")
    page.click("#reception-form button[type=submit]")
    page.wait_for_load_state()
    row = page.locator("section.reception-row").first
    assert "渌口区信访局一楼接待室" in row.inner_text()
    _no_sideways_scroll(page)
    row.locator("details summary").click()
    row.locator("textarea[name=text]").fill("朱亭村低保评定不公开")
    row.locator("input[name=region]").fill("430212101201")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    case = Case.objects.get(text="朱亭村低保评定不公开")
    assert case.channel == "reception" and case.leader.username == "leader_lk"
    assert page.url.endswith(f"/case/{case.pk}/")
    assert "周区长" in page.locator("#case-owner").inner_text()
    page.context.close()


def test_backlog_page_is_for_leaders_and_dispatchers(scene, live_server, browser):  # noqa: F811
    page = as_user(browser, live_server, "water")
    assert page.goto(live_server.url + "/work/backlog/").status == 403
    page.context.close()
    page = as_user(browser, live_server, "disp_yx")
    page.goto(live_server.url + "/work/backlog/")
    assert page.locator("section.backlog-row").count() == 0  # 攸县 sees none of 渌口区's backlog
    page.context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_policies_pages_and_what_to_bring(scene, live_server, browser, width):  # noqa: F811
    page = as_user(browser, live_server, "leader_lk", width=width)
    page.click("nav >> text=免申即享")
    page.wait_for_load_state()
    assert page.url.endswith("/policies/")
    assert page.locator("[data-key=eligible] strong").inner_text() == "2"
    _no_sideways_scroll(page)
    page.click("section.policy-row >> text=高龄津贴")
    page.wait_for_load_state()
    assert page.locator("#policy-matches li").count() == 2
    assert "王**" in page.locator("#policy-matches").inner_text()  # a leader reads the names masked
    _no_sideways_scroll(page)
    page.context.close()
    # the paired cadre, on the subject page: what to bring, and the delivery
    page = as_user(browser, live_server, "cadre_a", width=width)
    page.goto(live_server.url + "/visits/subject/H1/")
    bring = page.locator("#to-bring")
    assert "高龄津贴" in bring.inner_text()
    _no_sideways_scroll(page)
    bring.locator("[data-deliver]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/visits/subject/H1/")
    assert Delivery.objects.filter(subject__external_id="H1", delivered_by__username="cadre_a").count() == 1
    assert "高龄津贴" not in page.locator("#to-bring").inner_text()
    page.goto(live_server.url + "/policies/elder-subsidy/")
    assert "1" in page.locator("#policy-counts").inner_text()
    page.context.close()
