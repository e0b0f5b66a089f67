"""Issue 11, points 6 and 8: Chinese labels on the CLI, subjects above village level, coverage by
(masked) name, the plan's numbers adding up, people by name on timelines and never on public pages."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from minqing.cases import actions as case_actions
from minqing.cases.models import Case
from minqing.insights import figures
from minqing.people.models import Membership, Profile
from minqing.people.scoping import Actor
from minqing.visits import actions
from minqing.visits.models import CoverageRule, Pairing, Subject, Visit
from minqing.visits.plan import make_plan

from .conftest import make_cadre, make_subject


def api(world, user, url):
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {world.tokens[user]}")


def page(world, user, url):
    c = Client()
    c.force_login(world.users[user])
    return c.get(url)


# ---- Chinese labels on the command line -------------------------------------------------------


@pytest.mark.parametrize("word, method", [("上门", "door"), ("入户走访", "door"), ("door", "door"), ("电话", "phone"),
                                          ("微信", "wechat"), ("PHONE", "phone")])
def test_visit_add_accepts_chinese_method(vworld, word, method):
    make_cadre(vworld, "li")
    make_subject(vworld, "H1")
    call_command("visit", "add", "--cadre", "li", "--subjects", "H1", "--date", dt.date.today().isoformat(),
                 "--method", word)
    assert Visit.objects.get().method == method


def test_meeting_by_its_chinese_name_and_bad_words_refused(vworld):
    make_cadre(vworld, "li")
    make_subject(vworld, "H1")
    make_subject(vworld, "H2")
    today = dt.date.today().isoformat()
    call_command("visit", "add", "--cadre", "li", "--subjects", "H1,H2", "--date", today, "--method", "夜话",
                 "--problem", "村口路灯不亮|municipal_facilities")
    v = Visit.objects.get()
    assert v.method == "meeting" and v.cases.get().channel == "visit"
    with pytest.raises(CommandError, match="door"):
        call_command("visit", "add", "--cadre", "li", "--subjects", "H1", "--date", today, "--method", "飞鸽传书")
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("word, role", [("结对", "paired"), ("结对帮扶", "paired"), ("红色管家", "steward"),
                                        ("联系户", "contact"), ("steward", "steward")])
def test_pair_accepts_chinese_role(vworld, word, role):
    make_cadre(vworld, "li")
    make_subject(vworld, "H1")
    call_command("visit", "pair", "--cadre", "li", "--subjects", "H1", "--role", word)
    assert Pairing.objects.get().role == role


def test_user_add_accepts_chinese_rank_and_role(vworld):
    call_command("user", "add", "wang", "--role", "干部", "--region", "430212101", "--rank", "科级",
                 "--name", "王建国", "--unit", "朱亭镇人民政府")
    p = Profile.objects.get(user__username="wang")
    assert (p.rank, p.display_name, p.unit) == ("section", "王建国", "朱亭镇人民政府")
    assert Membership.objects.get(user__username="wang").role == "cadre"
    call_command("user", "add", "zhao", "--role", "cadre", "--rank", "division")
    assert Profile.objects.get(user__username="zhao").rank == "division"
    with pytest.raises(CommandError, match="section"):
        call_command("user", "add", "qian", "--role", "cadre", "--rank", "部级")


def test_api_and_subject_kind_accept_labels(vworld):
    s = actions.save_subject(Actor.system(), external_id="E9", kind="企业", name="渌口陶瓷有限公司",
                             region="430212", credit_code=_credit("1"))
    assert s.kind == "enterprise"


def _credit(seed):
    from minqing.visits.creditcode import make

    return make("9143021200000" + seed.zfill(4))


# ---- subjects at any level ----------------------------------------------------------------------


@pytest.fixture
def county_subject(vworld):
    """An enterprise of a development zone registered on its county, beside village households."""
    make_cadre(vworld, "li", rank="section", region="430212", name="李明", unit="渌口区工信局")
    e = actions.save_subject(Actor.system(), external_id="E1", kind="enterprise", name="渌口经开区陶瓷厂",
                             region="430212", credit_code=_credit("7"), tags=["重点企业"])
    make_subject(vworld, "H1", name="王大")
    make_subject(vworld, "H2", name="赵二", tags=["低保户"])
    return e


def test_subject_on_a_county(county_subject, vworld):
    assert county_subject.region.code == "430212" and county_subject.region_path == "/430000/430200/430212/"
    actions.record_visit(Actor.system(), cadre="li", subjects=["E1"], date=dt.date.today(), method="上门",
                         problems=[{"text": "厂区门口道路破损，货车难进"}])
    # coverage counts it
    vc = figures.visit_coverage(figures.make_visit_scope("430212"))
    assert (vc["visited"], vc["subjects"]) == (1, 3)
    # the county's page lists it as registered on the county
    html = page(vworld, "disp_lk", "/visits/region/430212/").content.decode()
    assert "渌口经开区陶瓷厂" in html and "/visits/subject/E1/" in html and 'id="subjects"' in html
    # and a township without direct subjects shows no such list
    assert 'id="subjects"' not in page(vworld, "disp_lk", "/visits/region/430212101/").content.decode()


def test_subject_on_a_county_by_import_and_api(vworld, tmp_path):
    from minqing.visits.importers import import_subjects

    f = tmp_path / "s.csv"
    f.write_text("external_id,kind,name,region_code,tags,credit_code,address,phone\n"
                 f"E2,企业,攸县工业园机械厂,430223,规上企业,{_credit('8')},攸县工业园,\n", encoding="utf-8")
    import_subjects(f)
    assert Subject.objects.get(external_id="E2").region.code == "430223"
    r = Client().post("/api/v1/subjects", data={"external_id": "E3", "kind": "enterprise", "name": "市级企业",
                                                "region_code": "430200", "credit_code": _credit("9")},
                      content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {vworld.tokens['admin']}")
    assert r.status_code in (200, 201), r.content
    assert Subject.objects.get(external_id="E3").region.code == "430200"


# ---- coverage by masked name ----------------------------------------------------------------------


def test_coverage_lists_names_masked_by_role(county_subject, vworld):
    CoverageRule.objects.create(name="低保户每季度走访", target="household", tag="低保户", period="quarter")
    url = "/api/v1/coverage?region=430212&rules=true"
    full = api(vworld, "disp_lk", url).json()
    names = {s["external_id"]: s["name"] for s in full["visit_coverage"]["never_visited"]["subjects"]}
    assert names == {"E1": "渌口经开区陶瓷厂", "H1": "王大", "H2": "赵二"}
    assert full["rules"][0]["non_compliant_named"] == [{"external_id": "H2", "name": "赵二"}]
    masked = api(vworld, "sup_lk", url).json()
    names = {s["external_id"]: s["name"] for s in masked["visit_coverage"]["never_visited"]["subjects"]}
    assert names == {"E1": "渌口经开区陶瓷厂", "H1": "王*", "H2": "赵*"}  # an enterprise's name is public
    assert masked["rules"][0]["non_compliant_named"][0]["name"] == "赵*"
    # the page shows names, not ids, masked for a supervisor
    html = page(vworld, "sup_lk", "/visits/coverage/?region=430212").content.decode()
    assert "王*" in html and "赵*" in html and "王大" not in html and ">H1<" not in html
    html = page(vworld, "disp_lk", "/visits/coverage/?region=430212").content.decode()
    assert "王大" in html and ">H1<" not in html


def test_coverage_cli_prints_names(county_subject, capsys):
    call_command("coverage", "--region", "430212", "--rules")
    out = capsys.readouterr().out
    assert "王大" in out and "渌口经开区陶瓷厂" in out and " / " not in out
    call_command("coverage", "--region", "430212", "--as", "sup_lk")
    out = capsys.readouterr().out
    assert "王*" in out and "王大" not in out


# ---- the plan's numbers add up ---------------------------------------------------------------------


def test_plan_sums_agree(county_subject, vworld):
    from minqing.regions.models import Region

    Region.objects.create(code="430212101202", name="大塘村", level="village", parent=vworld.regions["430212101"])
    for i in range(25):
        make_subject(vworld, f"ZT{i}", tags=["低保户"] if i % 2 else [])
    for i in range(6):
        make_subject(vworld, f"DT{i}", region="430212101202", tags=["低保户"])
    for i in range(8):
        make_subject(vworld, f"LC{i}", region="430212102201")
    make_cadre(vworld, "zt1", region="430212101", rank="staff")
    make_cadre(vworld, "zt2", region="430212101", rank="section")
    # a rule a staff-rank visit does not meet: visited households still fail it
    CoverageRule.objects.create(name="低保户每季度由科级以上干部走访", target="household", tag="低保户",
                                min_rank="section", period="quarter")
    sys = Actor.system()
    today = dt.date.today()
    for i in range(4):
        actions.record_visit(sys, cadre="zt1", subjects=[f"DT{i}"], date=today, method="door")
    for i in range(3):
        c = case_actions.register(sys, text=f"问题{i}", channel="hotline", kind="complaint", region="430212101201")
        Case.objects.filter(pk=c.pk).update(state="assigned", alert_level="red", deadline=today - dt.timedelta(days=3))
    scope = figures.make_visit_scope("430212")
    result = make_plan(scope, load=2, per_visit=7)
    d = result.as_dict()
    s, places = d["summary"], d["places"]
    cov = figures.visit_coverage(scope)
    # the places hold every subject of the scope once (the county's own enterprise too)
    assert sum(p["subjects"] for p in places) == s["subjects"] == cov["subjects"] == 3 + 25 + 6 + 8
    assert sum(p["visited"] for p in places) == s["visited"] == cov["visited"] == 4
    assert s["coverage_before"] == cov["rate"]
    assert any(p["direct"] and p["region"] == "430212" and p["subjects"] == 1 for p in places)
    for p in places:
        assert p["visited"] + p["uncovered"] == p["subjects"]
        assert p["uncovered"] <= p["to_visit"] <= p["subjects"]  # a subject counts once, however many gaps
        assert p["planned_visits"] <= p["need"]
        assert p["new_subjects"] == min(p["planned_visits"], p["uncovered"])
    dt_place = next(p for p in places if p["region"] == "430212101202")
    # 大塘村: 2 never visited + 4 visited by a staff cadre, all failing the 科级 rule: 6 to visit, not 2 + 6
    assert (dt_place["uncovered"], dt_place["rule_gap"], dt_place["to_visit"]) == (2, 6, 6)
    # the assignments' expected visits are the places' planned visits, and the summary's
    assert sum(a["expected_visits"] for a in d["assignments"]) == sum(p["planned_visits"] for p in places) \
        == s["expected_visits"]
    assert s["expected_new_subjects"] == sum(p["new_subjects"] for p in places) <= s["uncovered"]
    assert s["coverage_expected"] == round((s["visited"] + s["expected_new_subjects"]) / s["subjects"], 4)
    assert s["need"] == sum(p["need"] for p in places)
    # each assignment is counted at its place
    for p in places:
        assert len(p["cadres"]) == sum(1 for a in d["assignments"] if a["region"] == p["region"])
    # and the page shows the same totals
    html = page(vworld, "disp_lk", "/visits/plan/?region=430212&run=1&load=2&per_visit=7").content.decode()
    assert f'<th class="num">{s["subjects"]}</th>' in html and f'<th class="num">{s["expected_visits"]}</th>' in html


# ---- people by name --------------------------------------------------------------------------------


@pytest.fixture
def named(world):
    for username, name, unit in [("disp_zt", "周敏", "朱亭镇党政综合办"), ("water", "刘洋", "渌口区水务局"),
                                 ("cadre_zt", "陈红", "朱亭镇网格管理中心")]:
        Profile.objects.update_or_create(user=world.users[username], defaults={"display_name": name, "unit": unit})
    Actor.system()
    case = case_actions.register(world.actor("cadre_zt"), text="朱亭村三组停水两天了", channel="visit",
                                 kind="help", region="430212101201", reporter_name="王大", reporter_phone="13812345678")
    case_actions.assign(world.actor("disp_zt"), case, department="lk-water")
    case_actions.accept(world.actor("water"), case)
    case_actions.progress(world.actor("water"), case, note="已安排抢修", public=True)
    case_actions.handle(world.actor("water"), case, result="管道已修复，恢复供水", disposition="solved")
    return Case.objects.get(pk=case.pk)


def test_case_timeline_shows_names_and_units(named, world):
    html = page(world, "disp_zt", f"/case/{named.pk}/").content.decode()
    timeline = html[html.index('id="timeline"'):]
    timeline = timeline[:timeline.index("</ol>")]
    assert "周敏（朱亭镇党政综合办）" in timeline and "刘洋（渌口区水务局）" in timeline and "陈红" in timeline
    assert "disp_zt" not in timeline and "cadre_zt" not in timeline and "· water<" not in timeline


def test_public_pages_show_the_department_never_a_person(named, world):
    people = ["周敏", "刘洋", "陈红", "disp_zt", "cadre_zt", "王大", "13812345678"]
    html = Client().get(f"/t/{named.tracking_code}/").content.decode()
    assert "渌口区水务局" in html and "管道已修复" in html
    assert not [p for p in people if p in html]
    html = Client().get("/board/").content.decode()
    assert not [p for p in people if p in html]
    body = Client().get("/open311/v2/servicerequestupdates.json").content.decode()
    assert "管道已修复" in body and not [p for p in people if p in body]
    req = Client().get(f"/open311/v2/requests/{named.pk}.json").json()[0]
    assert req["agency_responsible"] == "渌口区水务局"
    assert not [p for p in people if p in str(req)]


def test_visit_pages_show_cadre_names(vworld):
    make_cadre(vworld, "li", rank="section", name="李明", unit="朱亭镇人民政府")
    make_subject(vworld, "H1", name="王大")
    v = actions.record_visit(vworld.actor("disp_zt"), cadre="li", subjects=["H1"], date=dt.date.today(),
                             method="door")
    Profile.objects.create(user=vworld.users["disp_zt"], display_name="周敏", unit="朱亭镇党政综合办")
    html = page(vworld, "disp_zt", f"/visits/{v.pk}/").content.decode()
    assert "李明 · 朱亭镇人民政府" in html and "周敏 · 朱亭镇党政综合办" in html and ">li<" not in html
    html = page(vworld, "disp_zt", "/visits/subject/H1/").content.decode()
    assert "李明" in html and "朱亭镇人民政府" in html


# ---- one language per page ---------------------------------------------------------------------------


def test_visit_pages_show_one_language(vworld):
    """Errors on the pages in the reader's language only (the API keeps both)."""
    make_cadre(vworld, "li")
    make_subject(vworld, "H1")
    c = Client()
    c.force_login(vworld.users["li"])
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    r = c.post("/visits/new/", {"cadre": "li", "date": future, "method": "door", "subjects": ["H1"]})
    html = r.content.decode()
    assert r.status_code == 422 and "走访日期不能晚于今天" in html and "cannot be in the future" not in html
    assert "<strong>日期</strong>" in html
    c.post("/i18n/setlang/", {"language": "en", "next": "/visits/"})
    html = c.post("/visits/new/", {"cadre": "li", "date": future, "method": "door", "subjects": ["H1"]}).content.decode()
    assert "cannot be in the future" in html and "走访日期不能晚于今天" not in html and "Record a visit" in html
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/visits/"})
    c2 = Client()
    c2.force_login(vworld.users["disp_lk"])
    r = c2.get("/visits/plan/?region=430212&run=1&load=abc")
    assert r.status_code == 422 and "须为整数" in r.content.decode()
    r = c2.get("/visits/plan/?region=430212&run=1&load=0")
    assert r.status_code == 422 and "load must be" not in r.content.decode()


def test_no_bilingual_strings_in_the_visit_pages():
    """No "中文 / English" pair in the visit templates, views, admin or models (messages of the actions
    layer, which the API passes on in both languages, are split by the pages)."""
    import re
    from pathlib import Path

    import minqing.visits as app

    root = Path(app.__file__).parent
    pair = re.compile(r"[\u4e00-\u9fff][^\"'\n]{0,40} / [A-Za-z]")
    files = [*root.glob("templates/**/*.html"), root / "views.py", root / "admin.py", root / "models.py",
             root / "naming.py", root / "management/commands/coverage.py"]
    found = [f"{p.name}: {m.group(0)}" for p in files for m in pair.finditer(p.read_text())]
    assert found == []


@pytest.mark.parametrize("user, visits, coverage", [("cadre_zt", True, False), ("disp_zt", True, True),
                                                    ("leader_city", True, True), ("water", False, False),
                                                    ("rv_lk", False, False)])
def test_menu_links_to_the_visit_pages(vworld, user, visits, coverage):
    html = page(vworld, user, "/work/cases/").content.decode()
    nav = html[html.index("<nav"):html.index("</nav>")]
    assert ('href="/visits/"' in nav) is visits
    assert ('href="/visits/coverage/"' in nav) is coverage
