"""The working pages: login and landing per role, the dispatcher's inbox with
suggestions, duplicates and bulk assign, the case page (scoping, masking, actions
for the viewer's role only, bad input), the department workbench, the
return-visit desk, the supervisor view."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from minqing.cases import actions
from minqing.cases.models import Case, ReturnVisit, SupervisionOrder, Task
from minqing.people.models import Membership

from .helpers import days_ago, new_case, through


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


@pytest.mark.parametrize("user,home", [
    ("disp_zt", "/work/inbox/"), ("water", "/work/dept/"), ("rv_lk", "/work/visits/"),
    ("sup_lk", "/work/supervise/"), ("leader_city", "/dashboard/"), ("cadre_zt", "/work/cases/"),
])
def test_each_role_lands_on_its_own_page(world, user, home):
    c = Client()
    resp = c.post("/login/", {"username": user, "password": f"pw-{user}-123"})
    assert resp.status_code == 302
    landing = c.get(resp["Location"])
    assert landing.status_code == 302 and landing["Location"] == home
    assert c.get(home).status_code == 200


def test_bad_login_shows_the_error(world, client):
    resp = client.post("/login/", {"username": "water", "password": "wrong"})
    assert resp.status_code == 200 and "errorlist" in resp.content.decode()
    assert 'value="water"' in resp.content.decode()


def test_a_user_with_several_roles_can_switch(world):
    user = world.users["disp_zt"]
    Membership.objects.create(user=user, role="return_visitor", region=world.regions["430212"])
    c = login(world, "disp_zt")
    assert c.get("/home/")["Location"] == "/work/inbox/"
    html = c.get("/work/inbox/").content.decode()
    assert 'name="role"' in html and "回访台" in html
    assert c.post("/role/", {"role": "return_visitor"})["Location"] == "/work/visits/"
    assert c.get("/home/")["Location"] == "/work/visits/"
    assert c.post("/role/", {"role": "leader"})["Location"] == "/home/"  # not one of theirs: ignored
    assert c.get("/home/")["Location"] == "/work/visits/"


def test_pages_need_login_and_the_right_role(world):
    anon = Client()
    assert anon.get("/work/inbox/")["Location"].startswith("/login/")
    water = login(world, "water")
    assert water.get("/work/inbox/").status_code == 403
    assert water.get("/dashboard/").status_code == 403
    assert login(world, "disp_zt").get("/work/dept/").status_code == 403


def test_inbox_shows_suggestions_duplicates_and_alerts(world, settings):
    settings.MINQING = {**settings.MINQING, "CATEGORY_AUTO_THRESHOLD": 1.5}  # uncategorized cases wait for a person
    a = new_case(world)
    b = new_case(world, text="朱亭村三组还是没水", phone="13700000000")
    new_case(world, text="攸县城东社区停水", region="430223100001")  # another dispatcher's
    nocat = new_case(world, text="路灯坏了一个月，晚上路很黑", category=None)
    c = login(world, "disp_zt")
    html = c.get("/work/inbox/").content.decode()
    assert a.tracking_code in html and b.tracking_code in html and nocat.tracking_code in html
    assert "攸县城东社区停水" not in html
    assert "1 件可能重复" in html
    # suggestions arrive per row by htmx after the list
    assert f'hx-get="/work/suggest/{a.pk}/"' in html
    sug = c.get(f"/work/suggest/{a.pk}/").content.decode()
    assert "渌口区水务局" in sug  # routing: water supply in 朱亭村 → 渌口区水务局
    assert "建议分类" in c.get(f"/work/suggest/{nocat.pk}/").content.decode()  # no category: one is suggested
    assert login(world, "disp_yx").get(f"/work/suggest/{a.pk}/").status_code == 404


def test_inbox_filters_and_htmx_partial(world):
    new_case(world)
    road = new_case(world, text="村口道路塌陷，车辆无法通行", category="roads_transport")
    c = login(world, "disp_zt")
    html = c.get("/work/inbox/", {"category": "roads_transport"}).content.decode()
    assert road.tracking_code in html and "停水" not in html
    part = c.get("/work/inbox/", {"q": "塌陷"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-list")
    body = part.content.decode()
    assert part.status_code == 200 and body.lstrip().startswith('<div id="case-list">') and road.tracking_code in body
    assert "<html" not in body


def test_inbox_pages_without_counting(world):
    for i in range(23):
        new_case(world, text=f"第{i}号问题：路面破损需要修补", category="roads_transport", phone="")
    c = login(world, "disp_zt")
    first = c.get("/work/inbox/").content.decode()
    assert "下一页" in first and "上一页" not in first
    second = c.get("/work/inbox/", {"page": 2}).content.decode()
    assert "上一页" in second and "下一页" not in second
    assert second.count('class="caseitem') == 3


def test_bulk_assign(world):
    a, b = new_case(world), new_case(world, text="另一处停水问题，已经三天", phone="")
    other = new_case(world, text="攸县城东社区停水", region="430223100001")
    c = login(world, "disp_zt")
    dept = world.departments["lk-water"].pk
    resp = c.post("/work/inbox/assign/", {"case": [a.pk, b.pk, other.pk], "department": dept, "mode": "immediate"})
    assert resp.status_code == 302
    states = dict(Case.objects.values_list("pk", "state"))
    assert states[a.pk] == "assigned" and states[b.pk] == "assigned" and states[other.pk] == "registered"
    msgs = [m.message for m in resp.wsgi_request._messages]
    assert any("已交办 2 件" in m for m in msgs) and any("不在您的权限范围内" in m for m in msgs)
    resp = c.post("/work/inbox/assign/", {"case": [a.pk], "department": ""}, follow=True)
    assert "主办部门" in resp.content.decode()


def test_handler_cannot_open_another_departments_case(world):
    case = through(world, new_case(world), "assign")
    assert login(world, "water").get(f"/case/{case.pk}/").status_code == 200
    resp = login(world, "roads").get(f"/case/{case.pk}/")
    assert resp.status_code == 404 and case.text not in resp.content.decode()
    assert login(world, "roads").post(f"/case/{case.pk}/do/accept/", {}).status_code == 404
    case.refresh_from_db()
    assert case.state == "assigned"


def test_contact_is_masked_by_role(world):
    case = through(world, new_case(world), "assign")
    full = "13812345678"
    assert full in login(world, "disp_zt").get(f"/case/{case.pk}/").content.decode()
    assert full in login(world, "water").get(f"/case/{case.pk}/").content.decode()
    for name in ("cadre_zt", "leader_city", "sup_lk"):
        html = login(world, name).get(f"/case/{case.pk}/").content.decode()
        assert full not in html and "138****5678" in html and "张*" in html


def test_case_page_offers_only_the_viewers_actions(world):
    case = new_case(world)
    disp = login(world, "disp_zt").get(f"/case/{case.pk}/").content.decode()
    assert 'id="action-assign"' in disp and 'id="action-invalidate"' in disp
    assert 'id="action-accept"' not in disp
    assert "渌口区水务局" in disp  # suggestion
    through(world, case, "assign")
    water = login(world, "water").get(f"/case/{case.pk}/").content.decode()
    assert 'id="action-accept"' in water and 'id="action-return"' in water and 'id="action-assign"' not in water
    cadre = login(world, "cadre_zt").get(f"/case/{case.pk}/").content.decode()
    assert 'id="action-' not in cadre


def test_assign_with_bad_input_keeps_the_form(world):
    case = new_case(world)
    c = login(world, "disp_zt")
    dept = world.departments["lk-water"].pk
    past = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    resp = c.post(f"/case/{case.pk}/do/assign/", {"assign-department": dept, "assign-deadline": past,
                                                  "assign-note": "请尽快"})
    html = resp.content.decode()
    assert resp.status_code == 422 and "办理时限不能早于今天" in html
    assert f'value="{past}"' in html and "请尽快" in html and 'id="action-assign" open' in html
    resp = c.post(f"/case/{case.pk}/do/assign/", {"assign-department": "", "assign-mode": "joint"})
    assert resp.status_code == 422 and "errorlist" in resp.content.decode()
    case.refresh_from_db()
    assert case.state == "registered"
    resp = c.post(f"/case/{case.pk}/do/assign/", {"assign-department": dept, "assign-mode": "joint",
                                                  "assign-co_departments": [world.departments["lk-roads"].pk]})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "assigned" and case.mode == "joint" and list(case.co_departments.values_list("code", flat=True)) == ["lk-roads"]


def test_department_accepts_returns_and_handles_through_pages(world):
    case = through(world, new_case(world), "assign")
    water = login(world, "water")
    assert case.tracking_code in water.get("/work/dept/").content.decode()
    resp = water.post(f"/case/{case.pk}/do/return/", {"return-reason": ""})
    assert resp.status_code == 422
    assert water.post(f"/case/{case.pk}/do/accept/", {"accept-note": "收到"}).status_code == 302
    assert case.tracking_code in water.get("/work/dept/", {"tab": "doing"}).content.decode()
    resp = water.post(f"/case/{case.pk}/do/extend/", {"extend-deadline": "2000-01-01", "extend-reason": "材料未到"})
    assert resp.status_code == 422 and "新时限必须晚于原时限" in resp.content.decode()
    assert water.post(f"/case/{case.pk}/do/meet/", {"meet-minutes": "与交通局会商"}).status_code == 302
    assert water.post(f"/case/{case.pk}/task/", {"task-title": "更换水管", "task-department":
                                                  world.departments["lk-water"].pk}).status_code == 302
    task = Task.objects.get()
    resp = water.post(f"/case/{case.pk}/do/handle/", {"handle-result": "已修复", "handle-disposition": "solved"})
    assert resp.status_code == 302
    assert water.post(f"/case/{case.pk}/task/done/", {"task": task.pk, "outcome": "已更换"}).status_code == 302
    case.refresh_from_db()
    assert case.state == "handled"
    assert [e.action for e in case.events.all()][-4:] == ["meet", "task_created", "handle", "task_done"]


def test_illegal_action_is_refused_and_changes_nothing(world):
    case = through(world, new_case(world), "handled")
    resp = login(world, "water").post(f"/case/{case.pk}/do/accept/", {})
    assert resp.status_code == 409
    case.refresh_from_db()
    assert case.state == "handled"


def test_return_visit_desk_shows_contact_and_closes_by_rule(world):
    case = through(world, new_case(world), "handled")
    rv = login(world, "rv_lk")
    html = rv.get("/work/visits/").content.decode()
    assert case.tracking_code in html and "13812345678" in html
    for _ in range(2):
        rv.post(f"/case/{case.pk}/do/visit_back/", {"visit_back-reached": "no", "next": "/work/visits/"})
    resp = rv.post(f"/case/{case.pk}/do/close_by_rule/", {"close_by_rule-rule": "unreachable"})
    assert resp.status_code == 409 and "联系不上的记录仅2次" in resp.content.decode()
    resp = rv.post(f"/case/{case.pk}/do/visit_back/", {"visit_back-reached": "no", "next": "/work/visits/"})
    assert resp["Location"] == "/work/visits/"
    assert "3 次" in rv.get("/work/visits/").content.decode()
    assert rv.post(f"/case/{case.pk}/do/close_by_rule/", {"close_by_rule-rule": "unreachable"}).status_code == 302
    case.refresh_from_db()
    assert case.state == "closed" and case.close_rule == "unreachable"
    assert ReturnVisit.objects.filter(case=case, reached=False).count() == 3


def test_return_visit_needs_a_rating_when_reached(world):
    case = through(world, new_case(world), "handled")
    rv = login(world, "rv_lk")
    resp = rv.post(f"/case/{case.pk}/do/visit_back/", {"visit_back-reached": "yes", "visit_back-score": "7"})
    assert resp.status_code == 422 and "联系上时必须记录满意度" in resp.content.decode()
    resp = rv.post(f"/case/{case.pk}/do/visit_back/", {"visit_back-reached": "yes", "visit_back-rating": "satisfied",
                                                       "visit_back-score": "10", "visit_back-solved": "yes"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed" and case.resolved


def test_supervisor_sees_red_list_and_issues_orders(world):
    late = new_case(world, at=days_ago(40))
    actions.assign(world.actor("disp_zt"), late, department="lk-water", at=days_ago(40))
    fresh = through(world, new_case(world, text="另一件：水压不足，高楼层没水", phone=""), "assign")
    sup = login(world, "sup_lk")
    html = sup.get("/work/supervise/").content.decode()
    assert late.tracking_code in html and fresh.tracking_code not in html
    assert "渌口区水务局" in html and "朱亭镇" in html  # by department and by region
    resp = sup.post(f"/case/{late.pk}/do/supervise/", {"supervise-note": "请三日内办结", "next": "/work/supervise/"})
    assert resp.status_code == 302
    order = SupervisionOrder.objects.get()
    assert order.case == late and order.note == "请三日内办结"
    assert "落实中" in sup.get("/work/supervise/").content.decode()
    refused = login(world, "water").post(f"/case/{late.pk}/do/supervise/", {"supervise-note": "x"})
    assert refused.status_code == 403 and SupervisionOrder.objects.count() == 1


def test_dispatcher_merges_a_duplicate_from_the_case_page(world):
    original = new_case(world)
    dup = new_case(world, text="朱亭村三组停水", phone="13700000000")
    c = login(world, "disp_zt")
    html = c.get(f"/case/{dup.pk}/").content.decode()
    assert 'id="duplicates"' in html and original.tracking_code in html
    # a merge is confirmed first, with both texts side by side
    resp = c.post(f"/case/{dup.pk}/do/merge/", {"merge-into": original.tracking_code})
    assert resp.status_code == 302 and resp["Location"] == f"/case/{dup.pk}/merge/?into={original.tracking_code}"
    assert Case.objects.get(pk=dup.pk).state == "registered"
    confirm = c.get(resp["Location"]).content.decode()
    assert 'id="merge-this"' in confirm and 'id="merge-original"' in confirm and "朱亭村三组停水两天了" in confirm
    resp = c.post(f"/case/{dup.pk}/do/merge/", {"merge-into": original.tracking_code, "confirm": "1"})
    assert resp.status_code == 302
    dup.refresh_from_db()
    assert dup.state == "merged" and dup.merged_into_id == original.pk
    # an unknown original: the confirmation page says so (422), nothing is merged
    other = new_case(world, text="朱亭村路灯坏了", phone="13700000001")
    assert c.get(f"/case/{other.pk}/merge/?into=MQNOSUCHCODE").status_code == 422
    assert c.get(f"/case/{other.pk}/merge/?into={other.tracking_code}").status_code == 422


def test_invalidate_and_escalate_and_whistle(world):
    spam = new_case(world, text="广告广告广告广告")
    c = login(world, "disp_zt")
    assert c.post(f"/case/{spam.pk}/do/invalidate/", {"invalidate-reason": ""}).status_code == 422
    assert c.post(f"/case/{spam.pk}/do/invalidate/", {"invalidate-reason": "广告"}).status_code == 302
    case = through(world, new_case(world), "assign")
    ids = [world.departments["lk-roads"].pk, world.departments["zt-office"].pk]
    assert c.post(f"/case/{case.pk}/do/whistle/", {"whistle-departments": ids}).status_code == 302
    html = c.get(f"/case/{case.pk}/").content.decode()
    assert html.count("未报到") == 2
    roads = login(world, "roads")
    assert case.tracking_code in roads.get("/work/dept/", {"tab": "summoned"}).content.decode()
    assert roads.post(f"/case/{case.pk}/do/report/", {"report-text": "已到现场"}).status_code == 302
    assert c.get(f"/case/{case.pk}/").content.decode().count("未报到") == 1
    assert c.post(f"/case/{case.pk}/do/escalate/", {"escalate-note": "需区级统筹"}).status_code == 302
    case.refresh_from_db()
    assert case.owner_region.code == "430212"
    spam.refresh_from_db()
    assert spam.state == "invalid"


def test_attachment_is_served_to_those_who_see_the_case(world, client):
    from django.core.files.base import ContentFile

    from minqing.cases.models import Attachment

    case = through(world, new_case(world), "assign")
    att = Attachment(case=case, content_type="image/png", size=10)
    att.file.save("t.png", ContentFile(b"\x89PNG\r\n\x1a\n00"), save=True)
    assert login(world, "water").get(f"/case/{case.pk}/file/{att.pk}/").status_code == 200
    assert login(world, "roads").get(f"/case/{case.pk}/file/{att.pk}/").status_code == 404


def test_open_lists_are_ordered_by_deadline_across_states(world):
    """The dispatcher's open tab merges the per-state queries in deadline order, page by page."""
    disp, water = world.actor("disp_zt"), world.actor("water")
    made = []
    for i, days in enumerate([12, 3, 8, 1, 5]):
        case = new_case(world, text=f"第{i}件：水管漏水需要维修", phone="", at=days_ago(days))
        actions.assign(disp, case, department="lk-water", at=days_ago(days), mode="immediate")
        if i % 2:
            actions.accept(water, case, at=days_ago(days))
        case.refresh_from_db()
        made.append(case)
    expected = [c.tracking_code for c in sorted(made, key=lambda c: (c.deadline, c.pk))]
    html = login(world, "disp_zt").get("/work/inbox/", {"tab": "open"}).content.decode()
    positions = [html.index(code) for code in expected]
    assert positions == sorted(positions)
    assert {c.state for c in made} == {"assigned", "in_progress"}
    from minqing.web.views.work import ByDeadline

    qs = Case.objects.filter(pk__in=[c.pk for c in made])
    assert [c.tracking_code for c in ByDeadline(qs)[1:4]] == expected[1:4]


def test_search_by_text_or_tracking_code(world):
    a = new_case(world)
    b = new_case(world, text="村口道路塌陷，车辆无法通行", category="roads_transport")
    c = login(world, "disp_zt")
    html = c.get("/work/cases/", {"q": a.tracking_code.lower()}).content.decode()
    assert a.tracking_code in html and b.tracking_code not in html
    html = c.get("/work/cases/", {"q": "塌陷"}).content.decode()
    assert b.tracking_code in html and a.tracking_code not in html


def test_search_uses_the_full_text_index(world):
    a = new_case(world, text="村口路灯坏了，晚上一片漆黑", category="municipal_facilities", address="朱亭镇老街12号")
    b = new_case(world)  # 停水
    c = login(world, "disp_zt")
    # traditional characters find the simplified text; the address is searched; every word must occur
    for q in ("路燈", "老街", "路灯 晚上"):
        html = c.get("/work/cases/", {"q": q}).content.decode()
        assert a.tracking_code in html and b.tracking_code not in html, q
    html = c.get("/work/cases/", {"q": "路灯 停水"}).content.decode()
    assert a.tracking_code not in html and b.tracking_code not in html
    # the inbox's filters search the same way (htmx partial)
    part = c.get("/work/inbox/", {"q": "停水"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-list").content.decode()
    assert b.tracking_code in part and a.tracking_code not in part


def test_search_without_a_word_says_so(world):
    a = new_case(world)
    c = login(world, "disp_zt")
    r = c.get("/work/cases/", {"q": "，，"})
    html = r.content.decode()
    assert r.status_code == 200 and "请输入要搜索的词" in html and a.tracking_code not in html
    part = c.get("/work/inbox/", {"q": "，"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-list").content.decode()
    assert part.lstrip().startswith('<div id="case-list">') and "请输入要搜索的词" in part
    assert "请输入要搜索的词" not in c.get("/work/cases/", {"q": "停水"}).content.decode()


def test_admin_sees_every_page(world):
    case = through(world, new_case(world), "assign")
    c = login(world, "admin")
    assert c.get("/home/")["Location"] == "/work/inbox/"
    for url in ("/work/inbox/", "/work/inbox/?tab=open", "/work/dept/", "/work/visits/", "/work/supervise/",
                "/dashboard/", "/work/cases/", f"/case/{case.pk}/"):
        assert c.get(url).status_code == 200, url
    assert "13812345678" in c.get(f"/case/{case.pk}/").content.decode()


def test_english_pages_name_categories_in_english(world, settings):
    settings.MINQING = {**settings.MINQING, "CATEGORY_AUTO_THRESHOLD": 1.5}  # the case waits for a person
    water = new_case(world)
    nocat = new_case(world, text="路灯坏了一个月，晚上路很黑", category=None)
    c = login(world, "disp_zt")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    inbox = c.get("/work/inbox/").content.decode()
    assert '<option value="water_supply">Water supply</option>' in inbox  # the category filter
    assert "<span>Water supply</span>" in inbox and "<span>供水</span>" not in inbox  # the case row
    sug = c.get(f"/work/suggest/{nocat.pk}/").content.decode()
    assert "Municipal facilities" in sug and "市政设施" not in sug
    page = c.get(f"/case/{nocat.pk}/").content.decode()
    assert "<strong>Municipal facilities</strong>" in page
    assert "Water supply" in c.get(f"/case/{water.pk}/").content.decode()
