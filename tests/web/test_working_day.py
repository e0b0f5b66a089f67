"""A working day across the roles' pages, in real headless Chromium (issue 11, "done when").

One test walks the day through the pages only (the ORM and the actions layer set up the
world beforehand and read state back for the assertions):

1. the hotline operator lands on the intake desk and takes three calls with the keyboard: a
   repeat caller (the earlier case shows as the phone is typed), a consultation closed on the
   call, and an obvious duplicate of an open case at the same village (shown beside the text);
2. the dispatcher adopts the inbox's suggestion for a case whose category was not applied,
   then assigns it with a tight deadline;
3. the supervisor issues a supervision order on it; the water bureau's handler sees the unread
   count in the header, the order inline on the workbench, and the notices;
4. the handler accepts and answers; the return visitor records an unsatisfied visit: the case
   is reopened with its own, later deadline (on the event and on the case page);
5. the dispatcher merges the duplicate from call (c) after the side-by-side confirmation, then
   undoes it: the case is back as it was and its tracking page no longer follows the other;
6. the leader opens the dashboard for the last 30 days: the comparison window is the 30 days
   before, and every card's 上期 is the figure computed over that window.

Screenshots of each step's key page at 390 and 1366 px go to ``$MINQING_SHOTS`` (default: the
test's tmp dir)."""

import datetime as dt
import os
import pathlib
import re

import pytest
from django.template.defaultfilters import floatformat
from django.utils import timezone

from minqing.cases.models import Case, Event, ReturnVisit
from minqing.insights import figures
from minqing.people.models import Notification
from minqing.web.templatetags.mq import pct
from minqing.web.views.dashboard import FIGURES, previous_window

from .helpers import VILLAGE, days_ago, new_case, through
from .test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM_ARGS,  # noqa: F401 (the same Chromium flags)
    _limits,
    browser,
)
from .test_intake_browser import add_operator

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WAIT = 30000  # ms: a shared, busy machine
TOWNSHIP = "430212101"  # 朱亭镇


@pytest.fixture
def shots(tmp_path):
    out = pathlib.Path(os.environ.get("MINQING_SHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def login(browser, live_server, name, width=1366):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(WAIT)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", f"pw-{name}-123")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def shoot(page, shots, name):
    """The page at 390 and 1366 px (full length), checking it never scrolls sideways."""
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        # two frames: the resize handlers (the dashboard's charts) have run
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        # the body too: the pages hide sideways overflow on <html>, which would clip it unseen
        scroll, body, inner = page.evaluate(
            "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
        assert max(scroll, body) <= inner + 1, (name, width, scroll, body, inner)
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


# the intake desk asks for suggestions 500 ms after the last keystroke; a slow typist (a loaded
# machine) gets some for a partial text first: remember which text each swapped answer was for
SUGGESTED_FOR = """
document.addEventListener('htmx:configRequest', function (e) {
  if (e.detail.elt && e.detail.elt.id === 'id_text') window.__askedFor = e.detail.elt.value;
});
document.addEventListener('htmx:afterSwap', function (e) {
  if (e.detail.target && e.detail.target.id === 'suggest') window.__suggestedFor = window.__askedFor;
});
"""


def wait_suggested(page):
    """The intake's suggestions for the whole text typed have been swapped in (not a partial one)."""
    page.wait_for_function("() => window.__suggestedFor === document.getElementById('id_text').value && "
                           "document.getElementById('suggest-data') && "
                           "document.getElementById('id_category').value !== ''")


def actions_of(case):
    return [e.action for e in Event.objects.filter(case=case).order_by("at", "id")]


@pytest.fixture
def day(tworld, settings):
    """The world as the day starts: calls and cases from the last two months."""
    w = tworld
    settings.MINQING = {**settings.MINQING, "CATEGORY_AUTO_THRESHOLD": 1.5}  # no category applied by itself
    add_operator(w)
    # the previous 30-day window: two cases closed satisfied, one reopened and redone, one still open
    caller_old = through(w, new_case(w, text="朱亭村三组停水两天了，老人孩子喝水都成问题", phone="13800138000",
                                     name="王大爷", at=days_ago(40)), "close", at=days_ago(40))
    through(w, new_case(w, text="朱亭村四组水表坏了，抄表读数不对，水费多收了", phone="13600001111", name="刘女士", at=days_ago(45)), "assign", at=days_ago(45))
    redone = through(w, new_case(w, text="朱亭村五组水压低，楼上没水", phone="13600002222", name="陈先生",
                                 at=days_ago(50)), "handled", at=days_ago(50))
    from minqing.cases import actions

    actions.visit_back(w.actor("rv_lk"), redone, rating="unsatisfied", score=3, at=days_ago(49))
    # this window, before the day: an open water case at the village (assigned yesterday) …
    open_water = through(w, new_case(w, text="朱亭村三组停水了，家里一滴水都没有", phone="13911112222", name="李四",
                                     at=days_ago(1)), "assign", at=days_ago(1))
    # … and a call logged this morning with no category, placed at the township only
    morning = new_case(w, text="朱亭村二组自来水管爆了，路上全是水，家里停水了", category=None, region=TOWNSHIP,
                       phone="13500003333", name="周女士")
    assert morning.category is None
    return {"caller_old": caller_old, "open_water": open_water, "morning": morning}


def test_a_working_day(tworld, live_server, browser, day, shots):  # noqa: F811
    base = live_server.url
    w = tworld
    known = set(Case.objects.values_list("pk", flat=True))

    # ---- 1. the operator's three calls, keyboard only -------------------------------------
    op = login(browser, live_server, "op_lk", width=1366)
    op.context.add_init_script(SUGGESTED_FOR)
    op.reload()
    assert op.url.endswith("/work/intake/")
    assert focused_id(op) == "id_reporter_phone"
    kb = op.keyboard
    # (a) a repeat caller: his earlier case shows while the number is typed
    kb.type("138 0013 8000")
    op.wait_for_selector("#history-repeat")
    assert day["caller_old"].tracking_code in op.inner_text("#history")
    kb.press("Tab")
    kb.type("王大爷")
    kb.press("Tab")  # channel
    kb.press("Tab")  # kind
    kb.press("Tab")
    assert focused_id(op) == "id_text"
    kb.type("朱亭村村口路灯坏了半个月，晚上出门看不见，老人摔了一跤")
    wait_suggested(op)
    op.wait_for_function("() => document.getElementById('id_place').value.includes('朱亭村')")
    shoot(op, shots, "1a-intake-repeat-caller")
    kb.press("Tab")  # place
    kb.press("Tab")  # category
    kb.press("Tab")
    assert focused_id(op) == "id_address"
    kb.type("村口")
    kb.press("Enter")
    op.wait_for_selector("#done-code")
    lamp = Case.objects.exclude(pk__in=known).get()
    known.add(lamp.pk)
    assert op.inner_text("#done-code") == lamp.tracking_code
    assert lamp.reporter_phone == "138 0013 8000" and lamp.region.code == VILLAGE and lamp.state == "registered"
    assert lamp.category.code == "municipal_facilities" and lamp.address == "村口"
    assert focused_id(op) == "id_reporter_phone"
    shoot(op, shots, "1a-intake-saved")

    # (b) a consultation closed on the call: answer and a satisfied rating in the same form
    kb.type("13700001234")
    op.wait_for_selector("#history-none")
    kb.press("Tab")
    kb.type("赵女士")
    kb.press("Tab")  # channel
    kb.press("Tab")  # kind
    assert focused_id(op) == "id_kind"
    op.select_option("#id_kind", "enquiry")
    kb.press("Tab")
    assert focused_id(op) == "id_text"
    kb.type("想问一下朱亭村新农合医保今年在哪里缴费，截止到什么时候")
    wait_suggested(op)
    for _ in range(4):  # place, category, address, the on-call box
        kb.press("Tab")
    assert focused_id(op) == "id_on_call"
    kb.press("Space")
    kb.press("Tab")
    assert focused_id(op) == "id_result"
    kb.type("已告知：到朱亭镇便民服务中心或微信小程序缴费，12月31日截止")
    kb.press("Tab")
    assert focused_id(op) == "id_rating"
    op.select_option("#id_rating", "satisfied")
    shoot(op, shots, "1b-intake-on-call")
    kb.press("Control+Enter")
    op.wait_for_selector("#intake-done:has-text('当场办结')")
    enquiry = Case.objects.exclude(pk__in=known).get()
    known.add(enquiry.pk)
    assert op.inner_text("#done-code") == enquiry.tracking_code
    assert enquiry.state == "closed" and enquiry.kind == "enquiry" and enquiry.reporter_phone == "13700001234"
    assert actions_of(enquiry) == ["register", "handle", "visit_back"]
    assert ReturnVisit.objects.get(case=enquiry).rating == "satisfied"

    # (c) an obvious duplicate of the open water case at the same village
    assert focused_id(op) == "id_reporter_phone"
    kb.type("13911113333")
    op.wait_for_selector("#history-none")
    kb.press("Tab")
    kb.type("孙大姐")
    for _ in range(3):
        kb.press("Tab")
    assert focused_id(op) == "id_text"
    kb.type("朱亭村三组又停水了，家里一滴水都没有，已经一天了")
    wait_suggested(op)
    dup_item = op.locator(f"#duplicates li[data-code='{day['open_water'].tracking_code}']")
    dup_item.wait_for()
    assert "一滴水都没有" in dup_item.inner_text() and "已交办" in dup_item.inner_text()
    # beside the text on a wide screen: the suggestions column is to the right of the text box
    text_box, dups_box = op.locator("#id_text").bounding_box(), op.locator("#duplicates").bounding_box()
    assert dups_box["x"] >= text_box["x"] + text_box["width"] - 1
    shoot(op, shots, "1c-intake-duplicate")
    kb.press("Control+Enter")  # the caller is registered anyway; the dispatcher decides
    op.wait_for_selector("#done-code")
    duplicate = Case.objects.exclude(pk__in=known).get()
    known.add(duplicate.pk)
    assert op.inner_text("#done-code") == duplicate.tracking_code and duplicate.state == "registered"
    op.context.close()

    # ---- 2. the dispatcher adopts a suggestion, then assigns -------------------------------
    morning = day["morning"]
    disp = login(browser, live_server, "disp_zt", width=1366)
    assert disp.url.endswith("/work/inbox/")
    item = disp.locator(f"#case-{morning.pk}")
    item.locator("button.adopt").wait_for()
    assert "供水" in item.locator(".suggestion").inner_text()
    shoot(disp, shots, "2-inbox-suggestion")
    item.locator("button.adopt").click()
    item.locator(".adopted").wait_for()
    morning.refresh_from_db()
    assert morning.category.code == "water_supply"
    cat_event = Event.objects.get(case=morning, action="categorize")
    assert cat_event.actor == w.users["disp_zt"]
    disp.goto(f"{base}/case/{morning.pk}/")
    disp.click("#action-assign summary")
    assert disp.locator("#id_assign-department option:checked").inner_text().startswith("渌口区水务局")
    tight = timezone.localdate() + dt.timedelta(days=1)  # 限明天办结
    disp.fill("#id_assign-deadline", tight.isoformat())
    disp.fill("#id_assign-note", "群众反映强烈，请明天前恢复供水")
    disp.click("#action-assign button[type=submit]")
    disp.wait_for_selector("#case-state:has-text('已交办')")
    morning.refresh_from_db()
    assert morning.state == "assigned" and morning.lead_department.code == "lk-water" and morning.deadline == tight
    shoot(disp, shots, "2-case-assigned")

    # ---- 3. a supervision order; the handler's header, workbench and notices ---------------
    sup = login(browser, live_server, "sup_lk", width=1366)
    sup.goto(f"{base}/case/{morning.pk}/")
    sup.click("#action-supervise summary")
    sup.fill("#id_supervise-note", "停水影响二组三十多户，务必今天派人到场")
    sup.fill("#id_supervise-due", tight.isoformat())
    sup.click("#action-supervise button[type=submit]")
    sup.wait_for_selector("#timeline:has-text('督办')")
    assert "supervise" in actions_of(morning)
    sup.context.close()

    water = login(browser, live_server, "water", width=1366)
    water.wait_for_url("**/work/dept/")
    unread = Notification.objects.filter(user=w.users["water"], read_at__isnull=True).count()
    assert unread > 0 and water.locator("#nav-notices .count").inner_text() == str(unread)
    order = water.locator(f"#case-{morning.pk} .ask.supervise")
    assert order.is_visible() and "务必今天派人到场" in order.inner_text()
    shoot(water, shots, "3-dept-workbench")
    water.click("#nav-notices")
    water.wait_for_url("**/work/notices/")
    notices = water.locator(".notice.unread")
    assert notices.count() == unread
    kinds = set(Notification.objects.filter(user=w.users["water"], case=morning).values_list("kind", flat=True))
    assert {"assigned", "supervised"} <= kinds
    for kind in ("assigned", "supervised"):
        n = Notification.objects.get(user=w.users["water"], case=morning, kind=kind)
        assert water.locator(f"#notice-{n.pk}").is_visible()
        assert morning.tracking_code in water.locator(f"#notice-{n.pk}").inner_text()
    shoot(water, shots, "3-notices")

    # ---- 4. accepted, answered, an unsatisfied return visit: reopened with a new deadline ---
    water.goto(f"{base}/case/{morning.pk}/")
    water.click("#action-accept summary")
    water.click("#action-accept button[type=submit]")
    water.wait_for_selector("#case-state:has-text('办理中')")
    water.click("#action-handle summary")
    water.fill("#id_handle-result", "已派人更换二组爆裂的供水管道，当晚恢复供水")
    water.check("input[name=handle-disposition][value=solved]")
    water.click("#action-handle button[type=submit]")
    water.wait_for_selector("#case-state:has-text('已办结')")
    water.context.close()
    morning.refresh_from_db()
    old_deadline = morning.deadline
    assert morning.state == "handled" and old_deadline == tight

    rv = login(browser, live_server, "rv_lk", width=1366)
    rv.goto(f"{base}/case/{morning.pk}/")
    rv.click("#action-visit_back summary")
    rv.check("input[name=visit_back-reached][value=yes]")
    rv.select_option("#id_visit_back-solved", "no")
    rv.select_option("#id_visit_back-rating", "unsatisfied")
    rv.fill("#id_visit_back-score", "3")
    rv.fill("#id_visit_back-note", "水是通了，可水管接口还在漏，路上还是湿的")
    rv.click("#action-visit_back button[type=submit]")
    rv.wait_for_selector("#case-state:has-text('重办')")
    morning.refresh_from_db()
    assert morning.state == "reopened" and morning.deadline > old_deadline
    visit = Event.objects.filter(case=morning, action="visit_back").get()
    assert visit.data["rating"] == "unsatisfied"
    assert visit.data["old_deadline"] == old_deadline.isoformat()
    assert visit.data["deadline"] == morning.deadline.isoformat()
    assert dt.date.fromisoformat(visit.data["deadline"]) > old_deadline
    facts = rv.locator("dt:has-text('办理时限') + dd").inner_text()
    assert facts.split()[0] == morning.deadline.isoformat()  # the new 办理时限 (the old one is on the assign event)
    redo = rv.locator("#timeline .redo-deadline").inner_text()  # the event's own record of both deadlines
    assert redo == f"重办，新的办理时限 {morning.deadline.isoformat()}（原时限 {old_deadline.isoformat()}）"
    shoot(rv, shots, "4-case-reopened")
    rv.click("nav button[value=en]")  # the same line in English
    rv.wait_for_selector("#timeline .redo-deadline:has-text('Redo: new deadline')")
    assert f"(was {old_deadline.isoformat()})" in rv.locator("#timeline .redo-deadline").inner_text()
    shoot(rv, shots, "4-case-reopened-en")
    rv.context.close()

    # ---- 5. a merge confirmed side by side, then undone -------------------------------------
    original = day["open_water"]
    before = Case.objects.get(pk=duplicate.pk)
    disp.goto(f"{base}/case/{duplicate.pk}/merge/?into={original.tracking_code}")
    left, right = disp.locator("#merge-this"), disp.locator("#merge-original")
    assert "已经一天了" in left.inner_text() and "一滴水都没有" in right.inner_text()
    assert left.is_visible() and right.is_visible()
    a, b = left.bounding_box(), right.bounding_box()
    assert abs(a["y"] - b["y"]) < 2 and b["x"] >= a["x"] + a["width"] - 1  # side by side
    shoot(disp, shots, "5-merge-confirm")
    disp.click("#merge-confirm")
    disp.wait_for_selector("#case-state:has-text('已合并')")
    merged = Case.objects.get(pk=duplicate.pk)
    assert merged.state == "merged" and merged.merged_into_id == original.pk
    track = disp.context.new_page()
    track.goto(f"{base}/t/{duplicate.tracking_code}/")
    assert original.tracking_code in track.content()
    disp.locator("#action-unmerge summary").click()
    disp.fill("#action-unmerge textarea", "孙大姐回电更正：是五组停水，不是三组，不是同一处")
    shoot(disp, shots, "5-case-unmerge")
    disp.locator("#action-unmerge button[type=submit]").click()
    disp.wait_for_selector("#case-state:has-text('已登记')")
    after = Case.objects.get(pk=duplicate.pk)
    assert after.state == before.state == "registered" and after.merged_into_id is None
    assert (after.category_id, after.region_id, after.deadline) == (before.category_id, before.region_id, before.deadline)
    assert actions_of(after)[-2:] == ["merge", "unmerge"]
    track.goto(f"{base}/t/{duplicate.tracking_code}/")
    html = track.content()
    assert original.tracking_code not in html and "合并办理" not in html and "已恢复单独办理" in html
    track.set_viewport_size({"width": 390, "height": 844})
    shoot(track, shots, "5-tracking-after-unmerge")
    disp.context.close()

    # ---- 6. the leader's dashboard: 较上期 against the 30 days before ----------------------
    to = timezone.localdate()
    frm = to - dt.timedelta(days=29)
    pfrm, pto = previous_window(frm, to)
    assert (pto - pfrm) == (to - frm) and pto == frm - dt.timedelta(days=1)
    leader = login(browser, live_server, "leader_city", width=1366)
    assert leader.url.endswith("/dashboard/")
    leader.fill("#d-from", frm.isoformat())
    leader.fill("#d-to", to.isoformat())
    leader.click("form.card button[type=submit]")
    leader.wait_for_url(re.compile(r".*from=" + frm.isoformat() + ".*"))
    leader.locator("#figures").wait_for()
    note = leader.locator("main").inner_text()
    assert f"等长的上一时段（{pfrm.isoformat()} – {pto.isoformat()}）" in note
    region = w.regions["430200"]
    now = figures.compute(figures.Scope(region=region, date_from=frm, date_to=to))
    prev = figures.compute(figures.Scope(region=region, date_from=pfrm, date_to=pto))
    assert prev["intake"] == 3 and now["intake"] == 5  # yesterday's case, the morning report, the three calls
    compared = 0
    for key, _label, kind in FIGURES:
        card = leader.locator(f"#figures [data-key={key}]")
        if now.get(key) is None or prev.get(key) is None:
            assert card.locator(".delta").count() == 0, key
            continue
        shown = card.locator(".delta .muted").inner_text()
        want = pct(prev[key]) if kind == "rate" else floatformat(prev[key], "-2")
        assert shown == f"（上期 {want}）", (key, shown, want)
        compared += 1
    assert compared >= 5  # intake, completion, resolution, satisfaction, reopen … all have both windows
    # no department has enough cases to be ranked: no empty ranking chart, the rows and the reason instead
    assert leader.locator("#chart-ranking").count() == 0 and leader.locator("#unranked-note").is_visible()
    assert leader.locator("#ranking td", has_text="渌口区水务局").first.is_visible()
    shoot(leader, shots, "6-dashboard")
    leader.context.close()
