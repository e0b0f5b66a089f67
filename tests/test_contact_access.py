"""查看联系方式: a masked role reveals one case's contact data with a reason, over HTTP;
every reveal is logged and the log is read by leaders (their region) and admins."""

import pytest
from casebuild import register
from django.test import Client

from minqing.cases import actions
from minqing.people.models import ContactAccess

SECRET = "联系人：王晓明，电话0731-22334455，手机138 0013 8000"


def api(world, user):
    return Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens[user]}")


@pytest.fixture
def case(world):
    c = register(world, text="朱亭村停水，" + SECRET, address="朱亭村三组12号 " + SECRET,
                 reporter_name="王晓明", reporter_phone="13800138000")
    actions.assign(world.actor("disp_zt"), c, department="lk-water")
    return c


def test_masked_role_sees_masked_then_reveals_with_a_reason(world, case):
    sup = api(world, "sup_lk")
    d = sup.get(f"/api/v1/cases/{case.pk}").json()
    assert d["reporter_phone"] == "138****8000" and d["reporter_name"] == "王**"
    assert "22334455" not in d["text"] and "王晓明" not in d["address"] and "0013" not in d["text"]
    r = sup.get(f"/api/v1/cases/{case.pk}/contact", {"reason": "核实办理情况"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["reporter_phone"] == "13800138000" and body["reporter_name"] == "王晓明"
    assert SECRET in body["text"] and SECRET in body["address"]
    log = ContactAccess.objects.get()
    assert (log.username, log.case_id, log.reason, log.via) == ("sup_lk", case.pk, "核实办理情况", "api")
    assert log.region_path == case.region_path and log.at is not None


@pytest.mark.parametrize("query", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 201}])
def test_reason_required_and_bounded(world, case, query):
    r = api(world, "sup_lk").get(f"/api/v1/cases/{case.pk}/contact", query)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid" and r.json()["field"] == "reason"
    assert not ContactAccess.objects.exists()


def test_only_who_may_see_the_case(world, case):
    for user in ("disp_yx", "leader_yx", "yxwater", "housing"):
        r = api(world, user).get(f"/api/v1/cases/{case.pk}/contact", {"reason": "看看"})
        assert r.status_code == 404, user
        assert "13800138000" not in r.content.decode()
    assert api(world, "sup_lk").get("/api/v1/cases/999999/contact", {"reason": "看看"}).status_code == 404
    assert Client().get(f"/api/v1/cases/{case.pk}/contact", {"reason": "看看"}).status_code == 401
    assert not ContactAccess.objects.exists()


def test_log_scoped_to_leaders_region_and_admins(world, case):
    other = register(world, region="430223100001", actor="disp_yx", text="城东社区噪音")
    api(world, "sup_lk").get(f"/api/v1/cases/{case.pk}/contact", {"reason": "核实"})
    api(world, "leader_yx").get(f"/api/v1/cases/{other.pk}/contact", {"reason": "督查"})
    assert ContactAccess.objects.count() == 2

    def listed(caller, **q):
        r = api(world, caller).get("/api/v1/contact-access", q)
        assert r.status_code == 200, r.content
        return [(x["user"], x["case"], x["reason"]) for x in r.json()["results"]]

    assert listed("leader_yx") == [("leader_yx", other.pk, "督查")]
    assert sorted(listed("leader_city")) == sorted([("sup_lk", case.pk, "核实"), ("leader_yx", other.pk, "督查")])
    assert len(listed("admin")) == 2
    assert listed("admin", case=case.pk) == [("sup_lk", case.pk, "核实")]
    assert listed("admin", user="leader_yx") == [("leader_yx", other.pk, "督查")]
    for user in ("disp_zt", "sup_lk", "water", "cadre_zt"):
        r = api(world, user).get("/api/v1/contact-access")
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert api(world, "admin").get("/api/v1/contact-access", {"page_size": 0}).status_code == 422
    assert api(world, "admin").get("/api/v1/contact-access", {"user": "u" * 151}).status_code == 422


def test_case_page_reveal_form_logs(world, case):
    web = Client()
    web.force_login(world.users["sup_lk"])
    page = web.get(f"/case/{case.pk}/").content.decode()
    assert "138****8000" in page and "22334455" not in page and "王晓明" not in page
    assert 'id="reveal-contact"' in page
    r = web.post(f"/case/{case.pk}/contact/", {"reason": ""})
    assert r.status_code == 422 and not ContactAccess.objects.exists()
    r = web.post(f"/case/{case.pk}/contact/", {"reason": "电话回访前核对"})
    page = r.content.decode()
    assert r.status_code == 200 and "13800138000" in page and "0731-22334455" in page
    assert r["Cache-Control"] == "no-store"
    assert ContactAccess.objects.get().via == "web"
    # the next view is masked again
    assert "13800138000" not in web.get(f"/case/{case.pk}/").content.decode()
    # a dispatcher who may see the contact data gets no button; a stranger gets a 404
    disp = Client()
    disp.force_login(world.users["disp_zt"])
    page = disp.get(f"/case/{case.pk}/").content.decode()
    assert "13800138000" in page and "0731-22334455" in page and 'id="reveal-contact"' not in page
    stranger = Client()
    stranger.force_login(world.users["disp_yx"])
    assert stranger.post(f"/case/{case.pk}/contact/", {"reason": "看看"}).status_code == 404
    assert ContactAccess.objects.count() == 1


def test_admin_lists_the_log_read_only(world, case):
    api(world, "sup_lk").get(f"/api/v1/cases/{case.pk}/contact", {"reason": "核实"})
    admin = world.users["admin"]
    admin.is_staff = True
    admin.save()
    web = Client()
    web.force_login(admin)
    r = web.get("/admin/people/contactaccess/")
    assert r.status_code == 200 and "sup_lk" in r.content.decode()
    assert web.get("/admin/people/contactaccess/add/").status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/cases/{big}/contact?reason=x", "/api/v1/cases/1/contact?reason=%00",
                                  "/api/v1/contact-access?case={big}", "/api/v1/contact-access?date_from=2026-13-01",
                                  "/api/v1/contact-access?user=%00", "/api/v1/contact-access?page={big}",
                                  "/api/v1/insights/topics/{big}"])
def test_hostile_input_is_a_clear_4xx(world, case, path):
    r = api(world, "admin").get(path.format(big=10**30))
    assert 400 <= r.status_code < 500, (path, r.status_code, r.content[:200])
    assert "code" in r.json()
