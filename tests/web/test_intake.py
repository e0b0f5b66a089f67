"""The intake desk (接诉登记) without a browser: the operator role (CLI, scope, landing
page, menu), who may open /work/intake/, registering a call (one case per form token),
a consultation closed on the call through ``actions.answer_on_call`` (honest closure:
only with the caller's satisfaction), the caller's history by phone within scope, the
place/category suggestions and duplicates, and bad input answered 4xx."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from minqing.cases import actions
from minqing.cases.errors import Forbidden, IllegalTransition, InvalidInput
from minqing.cases.models import Case, ReturnVisit
from minqing.people.models import Membership, Role
from minqing.people.scoping import Actor

from .helpers import VILLAGE, new_case, token_of


def add_operator(world, name="op_lk", region="430212"):
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user(name, password=f"pw-{name}-123")
    Membership.objects.create(user=u, role=Role.OPERATOR, region=world.regions[region])
    world.users[name] = u
    return u


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


@pytest.fixture
def op(world):
    add_operator(world)
    return login(world, "op_lk")


def call_data(token="", **over):
    data = {"reporter_phone": "138 0013 8000", "reporter_name": "王大爷", "channel": "hotline", "kind": "complaint",
            "text": "朱亭村三组停水两天了，老人孩子喝水都成问题", "place": f"渌口区朱亭镇朱亭村 {VILLAGE}",
            "address": "三组12号", "category": "供水 water_supply", "token": token}
    data.update(over)
    return data


# ---- the role ------------------------------------------------------------------------


def test_cli_adds_an_operator_with_a_token_scoped_like_a_dispatcher(world, capsys, client):
    out = io.StringIO()
    call_command("user", "add", "op_cli", "--role", "operator", "--region", "430212", "--token", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("mq_")
    m = Membership.objects.get(user__username="op_cli")
    assert m.role == "operator" and m.region.code == "430212"
    inside = new_case(world)  # 朱亭村, 渌口区
    outside = actions.register(world.actor("disp_yx"), text="城东社区垃圾没人清运", channel="hotline",
                               kind="complaint", region="430223100001", reporter_name="赵六", reporter_phone="13700001111")
    body = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [c["tracking_code"] for c in body["results"]] == [inside.tracking_code]
    assert body["results"][0]["reporter_phone"] == "13812345678" and body["results"][0]["reporter_name"] == "张三"
    actor = Actor.for_user(m.user)
    assert actor.can_see_contact(inside) and not actor.can_see_contact(outside)


def test_an_operator_lands_on_the_intake_desk_and_has_it_in_the_menu(world):
    add_operator(world)
    c = Client()
    resp = c.post("/login/", {"username": "op_lk", "password": "pw-op_lk-123"}, follow=True)
    assert resp.redirect_chain[-1][0] == "/work/intake/"
    html = resp.content.decode()
    assert 'href="/work/intake/"' in html and "接诉登记" in html


def test_dispatchers_have_the_menu_link_handlers_do_not(world):
    assert 'href="/work/intake/"' in login(world, "disp_zt").get("/work/inbox/").content.decode()
    assert 'href="/work/intake/"' not in login(world, "water").get("/work/dept/").content.decode()


@pytest.mark.parametrize("who", ["water", "leader_city", "sup_lk", "rv_lk", "cadre_zt"])
def test_other_roles_get_403(world, who):
    c = login(world, who)
    for url in ("/work/intake/", "/work/intake/history/?reporter_phone=13800138000", "/work/intake/places/?place=朱"):
        assert c.get(url).status_code == 403, url
    assert c.post("/work/intake/", call_data("a" * 32)).status_code == 403
    assert c.post("/work/intake/suggest/", {"text": "朱亭村停水"}).status_code == 403
    assert not Case.objects.exists()


def test_anonymous_goes_to_the_login(world, client):
    resp = client.get("/work/intake/")
    assert resp.status_code == 302 and resp["Location"].startswith("/login/")


# ---- registering a call --------------------------------------------------------------------


def test_a_call_is_registered_and_the_form_is_fresh_for_the_next(world, op):
    page = op.get("/work/intake/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'id="id_reporter_phone"[^>]*autofocus', html, re.S)
    resp = op.post("/work/intake/", call_data(token_of(html)))
    assert resp.status_code == 302
    case = Case.objects.get()
    assert resp["Location"] == f"/work/intake/?done={case.tracking_code}&channel=hotline"
    assert (case.channel, case.kind, case.state) == ("hotline", "complaint", "registered")
    assert case.region.code == VILLAGE and case.category.code == "water_supply" and case.address == "三组12号"
    assert case.reporter_phone == "138 0013 8000" and case.reporter_name == "王大爷"
    assert case.created_by.username == "op_lk" and case.owner_region.code == "430212101"
    assert list(case.events.values_list("action", flat=True)) == ["register"]
    done = op.get(resp["Location"]).content.decode()
    assert 'id="done-code"' in done and case.tracking_code in done
    assert token_of(done) != token_of(html)  # a fresh form for the next call
    assert 'value="138 0013 8000"' not in done


def test_double_submission_makes_one_case(world, op):
    token = token_of(op.get("/work/intake/").content.decode())
    first = op.post("/work/intake/", call_data(token))
    second = op.post("/work/intake/", call_data(token))
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_every_desk_channel_registers_and_is_kept_for_the_next(world, op):
    for channel in ("letter", "reception", "petition", "mayor_mail", "mailbox", "wechat"):
        token = token_of(op.get("/work/intake/").content.decode())
        resp = op.post("/work/intake/", call_data(token, channel=channel))
        assert resp.status_code == 302
        assert f'<option value="{channel}" selected>' in op.get(resp["Location"]).content.decode()
    assert sorted(Case.objects.values_list("channel", flat=True)) == sorted(
        ["letter", "reception", "petition", "mayor_mail", "mailbox", "wechat"])


def test_without_a_place_the_operators_region_stands_in(world, op):
    token = token_of(op.get("/work/intake/").content.decode())
    assert op.post("/work/intake/", call_data(token, place="", category="")).status_code == 302
    case = Case.objects.get()
    assert case.region.code == "430212" and case.category is None


@pytest.mark.parametrize("over,field", [
    ({"text": ""}, "text"),
    ({"text": "停水"}, "text"),
    ({"text": "长" * 5001}, "text"),
    ({"text": "朱亭村停水\x00两天"}, "text"),
    ({"reporter_phone": "call me"}, "reporter_phone"),
    ({"reporter_phone": "1" * 31}, "reporter_phone"),
    ({"place": "火星 999999"}, "place"),
    ({"place": "渌口区朱亭镇朱亭村"}, "place"),
    ({"place": "x" * 201}, "place"),
    ({"category": "astrology"}, "category"),
    ({"channel": "web"}, "channel"),
    ({"kind": "poem"}, "kind"),
    ({"token": "not-a-token"}, "token"),
    ({"on_call": "on", "result": "", "rating": "satisfied"}, "result"),
    ({"on_call": "on", "result": "已解释政策", "rating": ""}, "rating"),
    ({"on_call": "on", "result": "已解释政策", "rating": "unsatisfied"}, "rating"),
    ({"on_call": "on", "result": "已解释政策", "rating": "ecstatic"}, "rating"),
])
def test_bad_input_is_422_with_the_field_and_keeps_what_was_typed(world, op, over, field):
    token = token_of(op.get("/work/intake/").content.decode())
    resp = op.post("/work/intake/", call_data(**{"token": token, **over}))
    assert resp.status_code == 422
    assert field in resp.context["form"].errors
    assert not Case.objects.exists()
    if field != "reporter_phone":
        assert 'value="138 0013 8000"' in resp.content.decode()


# ---- a consultation closed on the call ----------------------------------------------------------


def test_a_consultation_is_closed_on_the_call_with_the_callers_satisfaction(world, op):
    token = token_of(op.get("/work/intake/").content.decode())
    resp = op.post("/work/intake/", call_data(
        token, kind="enquiry", text="想问一下朱亭村新农合医保今年在哪里缴费", category="", on_call="on",
        result="已告知：到朱亭镇便民服务中心或用微信小程序缴费", rating="satisfied"))
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.state == "closed" and case.mode == "immediate" and case.close_rule == "satisfied"
    assert case.result.startswith("已告知") and case.last_rating == "satisfied"
    assert (case.rated_visits, case.satisfied_visits) == (1, 1)
    # (the system may file the category first when its suggestion is confident: a categorize event)
    assert [(e.action, e.from_state, e.to_state) for e in case.events.all() if e.action != "categorize"] == [
        ("register", "", "registered"), ("handle", "registered", "handled"), ("visit_back", "handled", "closed")]
    visit = ReturnVisit.objects.get(case=case)
    assert visit.reached and visit.rating == "satisfied" and visit.operator.username == "op_lk"
    assert "已登记并当场办结" in op.get(resp["Location"]).content.decode()


def test_answer_on_call_refuses_what_honest_closure_forbids(world):
    add_operator(world)
    add_operator(world, "op_lk2")
    op, other = world.actor("op_lk"), world.actor("op_lk2")
    case = actions.register(op, text="咨询朱亭村低保怎么申请", channel="hotline", kind="enquiry", region=VILLAGE,
                            reporter_phone="13800138000")
    with pytest.raises(InvalidInput) as e:
        actions.answer_on_call(op, case, result="已解释", rating="unsatisfied")
    assert e.value.field == "rating"
    with pytest.raises(InvalidInput):
        actions.answer_on_call(op, case, result="", rating="satisfied")
    with pytest.raises(Forbidden):  # another operator did not take this call
        actions.answer_on_call(other, case, result="已解释", rating="satisfied")
    with pytest.raises(Forbidden):
        actions.answer_on_call(world.actor("water"), case, result="已解释", rating="satisfied")
    case.refresh_from_db()
    assert case.state == "registered" and list(case.events.values_list("action", flat=True)) == ["register"]
    assert not ReturnVisit.objects.exists()
    actions.answer_on_call(op, case, result="已解释低保申请流程", rating="basically_satisfied")
    with pytest.raises(IllegalTransition):  # once only
        actions.answer_on_call(op, case, result="再答一次", rating="satisfied")
    assigned = new_case(world)
    actions.assign(world.actor("disp_zt"), assigned, department="lk-water")
    with pytest.raises(IllegalTransition):
        actions.answer_on_call(world.actor("admin"), assigned, result="已解释", rating="satisfied")


# ---- the caller's history, suggestions ---------------------------------------------------------


def test_history_shows_the_callers_cases_in_scope_whatever_the_spelling(world, op):
    mine = new_case(world, phone="138-0013-8000")
    yx = actions.register(world.actor("disp_yx"), text="城东社区垃圾没人清运", channel="hotline", kind="complaint",
                          region="430223100001", reporter_phone="13800138000")
    other = new_case(world, phone="13900139000")
    html = op.get("/work/intake/history/", {"reporter_phone": "+86 138 0013 8000"}).content.decode()
    assert mine.tracking_code in html and "history-repeat" in html
    assert yx.tracking_code not in html and other.tracking_code not in html
    assert "history-none" in op.get("/work/intake/history/", {"reporter_phone": "13600000000"}).content.decode()
    assert "history-error" in op.get("/work/intake/history/", {"reporter_phone": "12"}).content.decode()
    assert "history-empty" in op.get("/work/intake/history/", {"reporter_phone": ""}).content.decode()
    assert op.get("/work/intake/history/", {"reporter_phone": "1" * 5000}).status_code == 200


def test_suggestions_give_place_category_and_duplicates(world, op):
    first = new_case(world, text="朱亭村三组停水两天了，老人孩子喝水都成问题")
    html = op.post("/work/intake/suggest/", {"text": "朱亭村三组又停水两天了，老人孩子喝水都成问题"}).content.decode()
    assert f'data-place="渌口区朱亭镇朱亭村 {VILLAGE}"' in html and 'data-category="供水"' in html
    assert first.tracking_code in html
    short = op.post("/work/intake/suggest/", {"text": "停"}).content.decode()
    assert "suggest-data" not in short
    assert op.post("/work/intake/suggest/", {"text": "停水" * 4000}).status_code == 200
    assert op.get("/work/intake/suggest/").status_code == 405


def test_place_options_are_the_operators_regions(world, op):
    html = op.get("/work/intake/places/", {"place": "村"}).content.decode()
    assert f"渌口区朱亭镇朱亭村 {VILLAGE}" in html and "430223100001" not in html
    under = op.get("/work/intake/places/", {"place": "朱亭镇"}).content.decode()
    assert f"渌口区朱亭镇朱亭村 {VILLAGE}" in under and "龙船" not in under
    by_code = op.get("/work/intake/places/", {"place": "4302121012"}).content.decode()
    assert VILLAGE in by_code and "430212102" not in by_code
    assert op.get("/work/intake/places/", {"place": "\x00" * 3}).status_code == 200


def test_history_counts_every_earlier_case_and_lists_the_latest(world, op):
    codes = [new_case(world, phone="13800138000", text=f"朱亭村第{i}次反映停水问题").tracking_code for i in range(7)]
    resp = op.get("/work/intake/history/", {"reporter_phone": "13800138000"})
    html = resp.content.decode()
    assert "反映过 7 次" in html and "列出最近 5 次" in html
    listed = re.findall(r'data-code="(MQ\w+)"', html)
    assert listed == codes[::-1][:5]


def test_nul_characters_are_not_an_error(world, op):
    assert op.post("/work/intake/suggest/", {"text": "朱亭村\x00停水两天了"}).status_code == 200
    assert op.get("/work/intake/history/", {"reporter_phone": "138\x0000138000"}).status_code == 200
