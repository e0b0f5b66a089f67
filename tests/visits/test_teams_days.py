"""Issue 16 part 5: visit teams (组团式走访), collective visit days (集中走访日), frequency rules,
and the idempotent visit form; actions, figures and the API over HTTP."""

import datetime as dt

import pytest
from django.test import Client

from minqing.cases.errors import Forbidden, InvalidInput
from minqing.insights import figures
from minqing.visits import actions
from minqing.visits.models import FrequencyRule, Visit, VisitMember

from .conftest import make_cadre, make_subject

TODAY = dt.date.today()


def call(world, user, method, url, json=None):
    c = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[user]}"} if user else {}
    if method == "get":
        return c.get(url, **headers)
    return getattr(c, method)(url, data=json, content_type="application/json", **headers)


@pytest.fixture
def tw(vworld):
    make_cadre(vworld, "li", rank="staff")
    make_cadre(vworld, "wang", rank="division")
    make_cadre(vworld, "zhao", rank="")
    make_subject(vworld, "H1", tags=["低保户"])
    make_subject(vworld, "H2")
    make_subject(vworld, "E1", kind="enterprise", tags=["重点企业"])
    make_subject(vworld, "E2", kind="enterprise", tags=["重点企业"])
    make_subject(vworld, "Y1", region="430223100001")
    return vworld


# ---- teams ----------------------------------------------------------------------------------


def test_team_visit_credits_every_member(tw):
    scope = figures.make_visit_scope("430212", today=TODAY)
    before = figures.participation(scope)
    v = actions.record_visit(tw.actor("li"), cadre="li", subjects=["H1"], date=TODAY, method="door",
                             members=["wang", "zhao", "li"])
    assert Visit.objects.count() == 1
    assert sorted(VisitMember.objects.filter(visit=v).values_list("user__username", flat=True)) == ["wang", "zhao"]
    after = figures.participation(scope)
    assert after["active_cadres"] == before["active_cadres"] + 3
    assert after["visits"] == before["visits"] + 1  # one visit record, not three
    assert after["team_visits"] == 1 and after["member_credits"] == 2
    # the team counts for rank rules with its highest rank (wang is 处级)
    from minqing.visits.models import rank_level

    assert v.rank_level == rank_level("division") > rank_level("staff") and v.cadre_rank == "staff"


def test_team_member_must_be_a_cadre(tw):
    with pytest.raises(InvalidInput) as e:
        actions.record_visit(tw.actor("li"), cadre="li", subjects=["H1"], date=TODAY, method="door",
                             members=["disp_zt"])
    assert e.value.field == "members"
    assert Visit.objects.count() == 0


def test_same_token_records_one_visit(tw):
    a = tw.actor("li")
    v1 = actions.record_visit(a, cadre="li", subjects=["H1"], date=TODAY, method="door", client_token="tok-12345678")
    v2 = actions.record_visit(a, cadre="li", subjects=["H1"], date=TODAY, method="door", client_token="tok-12345678")
    assert v1.pk == v2.pk and Visit.objects.count() == 1
    v3 = actions.record_visit(a, cadre="li", subjects=["H1"], date=TODAY, method="door", client_token="tok-87654321")
    assert v3.pk != v1.pk and Visit.objects.count() == 2


def test_position_must_be_a_pair_in_range(tw):
    a = tw.actor("li")
    with pytest.raises(InvalidInput):
        actions.record_visit(a, cadre="li", subjects=["H1"], date=TODAY, method="door", lat=27.7)
    with pytest.raises(InvalidInput):
        actions.record_visit(a, cadre="li", subjects=["H1"], date=TODAY, method="door", lat=95, lng=113)
    v = actions.record_visit(a, cadre="li", subjects=["H1"], date=TODAY, method="door", lat=27.7, lng=113.1)
    assert (v.lat, v.lng) == (27.7, 113.1)


def test_api_team_visit_and_idempotency(tw):
    body = {"cadre": "li", "subjects": ["H1"], "date": TODAY.isoformat(), "method": "door",
            "members": ["wang"], "lat": 27.6, "lng": 113.1, "client_token": "abcdef123456"}
    r = call(tw, "li", "post", "/api/v1/visits", body)
    assert r.status_code == 201, r.content
    assert [m["cadre"] for m in r.json()["members"]] == ["wang"] and r.json()["lat"] == 27.6
    again = call(tw, "li", "post", "/api/v1/visits", body)
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    assert Visit.objects.count() == 1
    bad = call(tw, "li", "post", "/api/v1/visits", {**body, "client_token": "x", "members": []})
    assert bad.status_code == 422 and bad.json()["field"] == "client_token"
    bad = call(tw, "li", "post", "/api/v1/visits", {**body, "client_token": "", "members": ["nobody"]})
    assert bad.status_code == 422 and bad.json()["field"] == "members"


# ---- visit days ---------------------------------------------------------------------------


def test_visit_day_progress(tw):
    day = actions.do_schedule_visit_day(tw.actor("disp_zt"), region="430212101", date=TODAY, title="集中走访日",
                                        targets=["H1"], target_kind="enterprise")
    assert sorted(day.targets.values_list("external_id", flat=True)) == ["E1", "E2", "H1"]
    p = actions.day_progress(day)
    assert (p["targets"], p["visited"], p["rate"]) == (3, 0, 0.0)
    actions.record_visit(tw.actor("li"), cadre="li", subjects=["E1"], date=TODAY, method="door", members=["wang"])
    # a visit of a target on another day does not count for this day
    actions.record_visit(tw.actor("li"), cadre="li", subjects=["H1"], date=TODAY - dt.timedelta(days=1),
                         method="door")
    p = actions.day_progress(day)
    assert (p["targets"], p["visited"], p["remaining"], p["cadres"]) == (3, 1, 2, 2)
    assert p["rate"] == pytest.approx(1 / 3, abs=1e-3)


def test_visit_day_rules(tw):
    with pytest.raises(Forbidden):
        actions.do_schedule_visit_day(tw.actor("li"), region="430212101", date=TODAY, title="x")
    with pytest.raises(InvalidInput) as e:
        actions.do_schedule_visit_day(tw.actor("disp_zt"), region="430212101", date=TODAY, title="x",
                                      targets=["Y1"])
    assert e.value.field == "targets"
    actions.do_schedule_visit_day(tw.actor("disp_zt"), region="430212101", date=TODAY, title="x")
    with pytest.raises(InvalidInput) as e:
        actions.do_schedule_visit_day(tw.actor("disp_zt"), region="430212101", date=TODAY, title="y")
    assert e.value.field == "date"


def test_api_visit_days(tw):
    r = call(tw, "disp_lk", "post", "/api/v1/visit-days", {
        "region": "430212", "date": TODAY.isoformat(), "title": "渌口区集中走访日", "target_tag": "重点企业"})
    assert r.status_code == 201, r.content
    day = r.json()
    assert day["progress"]["targets"] == 2 and {t["external_id"] for t in day["target_list"]} == {"E1", "E2"}
    call(tw, "li", "post", "/api/v1/visits", {"cadre": "li", "subjects": ["E2"], "date": TODAY.isoformat(),
                                              "method": "door"})
    # a cadre of a township sees its county's day, with the progress
    got = call(tw, "li", "get", f"/api/v1/visit-days/{day['id']}")
    assert got.status_code == 200 and got.json()["progress"]["visited"] == 1
    assert [t["visited"] for t in got.json()["target_list"] if t["external_id"] == "E2"] == [True]
    listed = call(tw, "cadre_zt", "get", "/api/v1/visit-days").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == day["id"]
    # out of scope: 404 and an empty list
    assert call(tw, "disp_yx", "get", f"/api/v1/visit-days/{day['id']}").status_code == 404
    assert call(tw, "disp_yx", "get", "/api/v1/visit-days").json()["count"] == 0
    assert call(tw, "li", "post", "/api/v1/visit-days", {
        "region": "430212", "date": TODAY.isoformat(), "title": "x"}).status_code == 403
    bad = call(tw, "disp_lk", "post", "/api/v1/visit-days", {"region": "430212", "date": "soon", "title": "x"})
    assert bad.status_code == 422


def test_visit_day_masks_household_names(tw):
    day = actions.do_schedule_visit_day(tw.actor("disp_zt"), region="430212101", date=TODAY, title="d",
                                        targets=["H1"])
    d = actions.day_dict(day, tw.actor("li"), with_targets=True)  # li is not paired with H1
    assert d["target_list"][0]["name"] != "张H1" and "*" in d["target_list"][0]["name"]
    assert actions.day_dict(day, tw.actor("disp_zt"), with_targets=True)["target_list"][0]["name"] == "张H1"


# ---- frequency rules ------------------------------------------------------------------------


def test_frequency_rule_compliance(tw):
    rule = actions.do_save_frequency_rule(tw.actor("admin"), name="重点企业每月两次", kind="enterprise",
                                          tag="重点企业", times=2)
    a = tw.actor("li")
    first = TODAY.replace(day=1)
    actions.record_visit(a, cadre="li", subjects=["E1"], date=first, method="door")
    actions.record_visit(a, cadre="li", subjects=["E1"], date=TODAY, method="phone")
    actions.record_visit(a, cadre="li", subjects=["E2"], date=TODAY, method="door")
    # a visit of last month does not count for this month
    actions.record_visit(a, cadre="li", subjects=["E2"], date=first - dt.timedelta(days=1), method="door")
    scope = figures.make_visit_scope("430212", today=TODAY)
    c = figures.frequency_compliance(rule, scope)
    assert (c["subjects"], c["compliant"], c["non_compliant"]) == (2, 1, 1)
    assert c["compliant_subjects"] == ["E1"]
    assert c["non_compliant_subjects"] == [{"external_id": "E2", "visits": 1}]
    assert figures.coverage(scope, rules=True)["frequency_rules"][0]["rate"] == 0.5


def test_frequency_rule_validation_and_api(tw):
    with pytest.raises(Forbidden):
        actions.do_save_frequency_rule(tw.actor("li"), name="x", kind="household", times=1)
    with pytest.raises(InvalidInput) as e:
        actions.do_save_frequency_rule(tw.actor("admin"), name="x", kind="household", times=0)
    assert e.value.field == "times"
    r = call(tw, "disp_lk", "post", "/api/v1/frequency-rules",
             {"name": "低保户每月一次", "kind": "household", "tag": "低保户", "times": 1, "region": "430212"})
    assert r.status_code == 201, r.content
    assert FrequencyRule.objects.get(pk=r.json()["id"]).times == 1
    assert call(tw, "disp_lk", "post", "/api/v1/frequency-rules",
                {"name": "x", "kind": "pet", "times": 1, "region": "430212"}).status_code == 422
    listed = call(tw, "disp_lk", "get", "/api/v1/frequency-rules?region=430212").json()
    assert listed["rules"][0]["compliance"]["subjects"] == 1
    cov = call(tw, "disp_lk", "get", "/api/v1/coverage?region=430212&rules=true").json()
    assert cov["frequency_rules"][0]["non_compliant"] == 1


def test_cli_records_a_team_visit(tw):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("visit", "add", "--cadre", "li", "--subjects", "H1", "--date", TODAY.isoformat(), "--method", "door",
                 "--members", "wang,zhao", "--lat", "27.7", "--lng", "113.1", stdout=out)
    v = Visit.objects.get()
    assert sorted(v.members.values_list("user__username", flat=True)) == ["wang", "zhao"] and v.lat == 27.7


# ---- pages (Django's test client; the Chromium walk is in test_teams_days_browser.py) ----------


def _page_client(world, username):
    c = Client()
    c.force_login(world.users[username])
    return c


def test_visit_form_posted_twice_records_one_visit(tw):
    c = _page_client(tw, "li")
    form = c.get("/visits/new/?subject=H1")
    token = form.context["data"]["client_token"]
    assert len(token) >= 16 and form.context["data"]["more_subjects"] == "H1"  # not li's own: in the ids field
    post = {"cadre": "li", "date": TODAY.isoformat(), "method": "door", "more_subjects": "H1",
            "members": "wang", "client_token": token, "notes": "入户"}
    first, second = c.post("/visits/new/", post), c.post("/visits/new/", post)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Visit.objects.count() == 1 and VisitMember.objects.get().user.username == "wang"
    assert "wang" in c.get(first["Location"]).content.decode().split('id="members"')[1].split("</dd>")[0]
    # a fresh form (a new token) records a new visit
    post["client_token"] = c.get("/visits/new/").context["data"]["client_token"]
    c.post("/visits/new/", post)
    assert Visit.objects.count() == 2


def test_days_pages_scope_and_schedule(tw):
    disp = _page_client(tw, "disp_zt")
    r = disp.post("/visits/days/", {"region": "430212101", "date": TODAY.isoformat(), "title": "朱亭镇走访日",
                                    "target_kind": "enterprise", "targets": ""})
    assert r.status_code == 302
    day = actions.VisitDay.objects.get()
    assert disp.get(r["Location"]).status_code == 200
    bad = disp.post("/visits/days/", {"region": "430212101", "date": TODAY.isoformat(), "title": "again"})
    assert bad.status_code == 422 and "已安排" in bad.content.decode()
    assert _page_client(tw, "li").post("/visits/days/", {"region": "430212101", "date": TODAY.isoformat(),
                                                         "title": "x"}).status_code == 403
    assert _page_client(tw, "disp_yx").get(f"/visits/days/{day.pk}/").status_code == 404
    assert "朱亭镇走访日" in _page_client(tw, "li").get("/visits/days/").content.decode()


def test_coverage_page_lists_frequency_rules(tw):
    actions.do_save_frequency_rule(tw.actor("admin"), name="重点企业每月两次", kind="enterprise", tag="重点企业",
                                   times=2)
    actions.record_visit(tw.actor("li"), cadre="li", subjects=["E1"], date=TODAY, method="door")
    html = _page_client(tw, "disp_lk").get("/visits/coverage/?region=430212").content.decode()
    assert "重点企业每月两次" in html and "0/2" in html and "本月 1 次" in html
