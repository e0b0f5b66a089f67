"""Visit pages: the form, drill-down village → household → visit → case and back, coverage, plan, card."""

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from minqing.cases.models import Case
from minqing.visits import actions
from minqing.visits.models import Visit

from .conftest import make_cadre, make_subject


@pytest.fixture
def pw(vworld):
    make_cadre(vworld, "li", rank="section", name="李干部")
    make_subject(vworld, "H1", phone="13812345678", tags=["低保户"], name="王大")
    make_subject(vworld, "H2", region="430212101201-G1", name="赵二")
    from minqing.people.scoping import Actor

    actions.pair(Actor.system(), cadre="li", subjects=["H1"])
    return vworld


def client(world, user):
    c = Client()
    c.force_login(world.users[user])
    return c


def test_form_records_visit_and_problems(pw):
    c = client(pw, "li")
    page = c.get("/visits/new/?subject=H1").content.decode()
    assert 'name="problem_text"' in page and "王大" in page and 'value="H1" checked' in page
    today = dt.date.today().isoformat()
    r = c.post("/visits/new/", {"cadre": "li", "date": today, "method": "door", "subjects": ["H1"],
                                "notes": "聊了用水", "problem_text": ["井水不够用", "", ""],
                                "problem_category": ["water_supply", "", ""]})
    assert r.status_code == 302
    visit = Visit.objects.get()
    assert r["Location"] == f"/visits/{visit.pk}/"
    case = visit.cases.get()
    assert case.channel == "visit" and case.category.code == "water_supply"
    page = c.get(r["Location"]).content.decode()
    assert case.tracking_code in page and "聊了用水" in page
    # case → back to the visit that found it
    assert c.get(f"/visits/case/{case.pk}/")["Location"] == f"/visits/{visit.pk}/"
    # and the case page itself links there
    from django.urls import reverse

    page = c.get(reverse("web:case", args=[case.pk])).content.decode()
    assert f'href="/visits/case/{case.pk}/"' in page


def test_form_error_keeps_input_and_names_field(pw):
    c = client(pw, "li")
    r = c.post("/visits/new/", {"cadre": "li", "date": dt.date.today().isoformat(), "method": "door",
                                "subjects": ["H1"], "notes": "要保留", "problem_text": ["问题"],
                                "problem_category": ["no_such"]})
    assert r.status_code == 422
    page = r.content.decode()
    assert "problems.0.category" in page and "要保留" in page and Visit.objects.count() == 0
    assert Case.objects.count() == 0


def test_drill_down_village_household_visit(pw):
    actions.record_visit(pw.actor("li"), cadre="li", subjects=["H1"], date=dt.date.today(), method="phone",
                         problems=[{"text": "路灯坏了"}])
    c = client(pw, "disp_zt")
    page = c.get("/visits/region/430212101/").content.decode()
    assert "朱亭村" in page and "/visits/region/430212101201/" in page
    page = c.get("/visits/region/430212101201/").content.decode()
    assert "/visits/subject/H1/" in page and "/visits/subject/H2/" in page and "王大" in page
    page = c.get("/visits/subject/H1/").content.decode()
    assert "13812345678" in page and "路灯坏了" in page and "李干部" in page
    # a leader sees the household masked
    page = client(pw, "leader_city").get("/visits/subject/H1/").content.decode()
    assert "138****5678" in page and "王*" in page and "13812345678" not in page
    # outside one's region: refused
    assert client(pw, "disp_yx").get("/visits/region/430212101201/").status_code == 403
    assert client(pw, "disp_yx").get("/visits/subject/H1/").status_code == 404


def test_coverage_and_plan_pages(pw):
    actions.record_visit(pw.actor("li"), cadre="li", subjects=["H1"], date=dt.date.today(), method="door")
    c = client(pw, "disp_lk")
    page = c.get("/visits/coverage/").content.decode()
    assert "走访覆盖率" in page and "(1/2)" in page and "低保户" in page
    page = c.get("/visits/plan/?run=1&load=2").content.decode()
    assert "id=\"plan-summary\"" in page and "派遣明细" in page
    r = c.get("/visits/plan/?format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames[0] == "部署方案 plan"
    assert client(pw, "cadre_zt").get("/visits/plan/").status_code == 403
    assert c.get("/visits/plan/?run=1&load=0").status_code == 422


def test_public_card_needs_no_login(pw):
    page = Client().get("/visits/card/H1/").content.decode()
    assert "李干部" in page and "13900001111" in page and "王*" in page and "13812345678" not in page
    assert Client().get("/visits/new/").status_code == 302  # the form needs a login


def test_home(pw):
    page = client(pw, "li").get("/visits/").content.decode()
    assert "王大" in page and "/visits/new/" in page
