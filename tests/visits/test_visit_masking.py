"""A visit's notes and its cases' texts go through the one masking rule for readers who
may not see the contact data (a leader, a supervisor), as written for a dispatcher."""

import datetime as dt

import pytest

from .conftest import make_cadre, make_subject
from .test_api import call

NOTES = "入户走访，户主：王晓明，电话0731-22334455，手机 138 0013 8000"
PROBLEM = "自来水浑浊，联系人：王晓明，手机13800138000"


@pytest.fixture
def visit_id(vworld):
    make_cadre(vworld, "li", rank="section")
    make_subject(vworld, "H1", phone="13812345678")
    r = call(vworld, "li", "post", "/api/v1/visits", {
        "cadre": "li", "subjects": ["H1"], "date": dt.date.today().isoformat(), "method": "door",
        "notes": NOTES, "problems": [{"text": PROBLEM, "category": "water_supply"}]})
    assert r.status_code == 201, r.content
    return r.json()["id"]


@pytest.mark.parametrize("user", ["leader_city", "sup_lk"])
def test_masked_readers(vworld, visit_id, user):
    r = call(vworld, user, "get", f"/api/v1/visits/{visit_id}")
    assert r.status_code == 200, r.content
    body = r.content.decode()
    for secret in ("王晓明", "22334455", "0013 8000", "13800138000"):
        assert secret not in body, secret
    d = r.json()
    assert "户主：王**" in d["notes"] and "0731-****4455" in d["notes"]
    assert d["cases"][0]["text"] == "自来水浑浊，联系人：王**，手机138****8000"


def test_dispatcher_reads_as_written(vworld, visit_id):
    d = call(vworld, "disp_zt", "get", f"/api/v1/visits/{visit_id}").json()
    assert d["notes"] == NOTES and d["cases"][0]["text"] == PROBLEM


def test_subject_page_masks_address_and_case_texts_for_masked_readers(vworld):
    from django.test import Client

    from minqing.visits.models import Subject

    make_cadre(vworld, "li", rank="section")
    make_subject(vworld, "H1", phone="13812345678")
    Subject.objects.filter(external_id="H1").update(address="朱亭村三组12号，户主电话0731-22334455")
    r = call(vworld, "li", "post", "/api/v1/visits", {
        "cadre": "li", "subjects": ["H1"], "date": dt.date.today().isoformat(), "method": "door",
        "problems": [{"text": PROBLEM, "category": "water_supply"}]})
    assert r.status_code == 201, r.content
    c = Client()
    c.force_login(vworld.users["leader_city"])
    page = c.get("/visits/subject/H1/").content.decode()
    for secret in ("22334455", "13800138000", "王晓明"):
        assert secret not in page, secret
    assert "朱亭村三组12号" in page and "自来水浑浊" in page
    c.force_login(vworld.users["disp_zt"])
    page = c.get("/visits/subject/H1/").content.decode()
    assert "0731-22334455" in page and "13800138000" in page
