"""从全国区划表建立辖区 (/work/regions/setup/): admins only; dependent selects fed by a JSON
endpoint; a preview with counts; the confirmation builds the tree and lists what was created;
a different tree is refused. Then the same in Chromium at 390 and 1366 px."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from minqing.demo import data as D
from minqing.people.models import Membership, Role
from minqing.regions.models import Department, Region

from .test_browser import CHROMIUM_ARGS

URL = "/work/regions/setup/"
LUKOU = {"province": "430000000000", "city": "430200000000", "county": "430212000000"}


def make_admin(name="boss"):
    user = get_user_model().objects.create_user(name, password=f"pw-{name}-123", is_superuser=True, is_staff=True)
    Membership.objects.create(user=user, role=Role.ADMIN)
    return user


def client_of(user):
    c = Client()
    c.force_login(user)
    return c


def test_only_admins(world):
    c = client_of(world.users["disp_lk"])
    assert c.get(URL).status_code == 403
    assert c.get(URL + "options/").status_code == 403
    assert Client().get(URL).status_code == 302  # to the login


def test_options_feed_the_selects(db):
    c = client_of(make_admin())
    provinces = c.get(URL + "options/").json()["options"]
    assert len(provinces) == 31 and {"code": "430000000000", "name": "湖南省"} in provinces
    cities = c.get(URL + "options/", {"parent": "430000000000"}).json()["options"]
    assert {"code": "430200000000", "name": "株洲市"} in cities and len(cities) == 14
    counties = c.get(URL + "options/", {"parent": "430200000000"}).json()["options"]
    assert {"code": "430212000000", "name": "渌口区"} in counties
    assert c.get(URL + "options/", {"parent": "430212000000"}).json()["options"] == []
    bad = c.get(URL + "options/", {"parent": "99\x00"})
    assert bad.status_code == 422 and bad.json()["field"] == "parent"


def test_preview_then_confirm_then_nothing_more(db):
    c = client_of(make_admin())
    r = c.get(URL, {**LUKOU, "villages": "1"})
    html = r.content.decode()
    assert r.status_code == 200 and 'id="setup-plan"' in html and "渌口区" in html
    assert Region.objects.count() == 0  # a preview changes nothing
    assert "<td data-planned>140</td>" in html  # villages and communities
    r = c.post(URL, LUKOU)  # without villages
    html = r.content.decode()
    assert r.status_code == 200 and 'id="setup-result"' in html
    assert Region.objects.filter(level="township", parent__code="430212000000").count() == 8
    assert not Region.objects.filter(level="village").exists()
    assert f"<td data-created>{len(D.COUNTY_DEPARTMENTS) + 8}</td>" in html
    assert Department.objects.filter(region__path__startswith="/430000000000/").count() == len(D.COUNTY_DEPARTMENTS) + 8
    again = c.post(URL, LUKOU).content.decode()
    assert 'id="setup-nothing"' in again


def test_a_county_outside_the_chosen_city_is_not_taken(db):
    c = client_of(make_admin())
    html = c.get(URL, {"province": "430000000000", "city": "110100000000"}).content.decode()
    # the city is not one of the province's: only the province is chosen
    assert "预览：湖南省" in html or "湖南省（430000000000）" in html


def test_a_different_tree_is_refused_on_the_page(world):
    c = client_of(world.users["admin"])
    r = c.get(URL, LUKOU)
    assert 'id="setup-problems"' in r.content.decode() and 'id="setup-go"' not in r.content.decode()
    before = Region.objects.count()
    r = c.post(URL, LUKOU)
    assert r.status_code == 409 and 'id="setup-refused"' in r.content.decode()
    assert Region.objects.count() == before


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_setup_in_chromium(transactional_db, live_server, browser, width):
    make_admin()
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60000)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-boss-123")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(live_server.url + URL)
    assert page.locator("nav a", has_text="建立辖区").count() == 1
    page.select_option("#setup-province", label="湖南省")
    page.wait_for_function("() => document.querySelectorAll('#setup-city option').length > 1")
    page.select_option("#setup-city", label="株洲市")
    page.wait_for_function("() => document.querySelectorAll('#setup-county option').length > 1")
    page.select_option("#setup-county", label="渌口区")
    page.uncheck("#setup-villages")
    page.click("#setup-preview")
    page.wait_for_selector("#setup-plan")
    planned = page.locator("#setup-plan td[data-planned]").all_inner_texts()
    assert "8" in planned and str(len(D.COUNTY_DEPARTMENTS) + 8) in planned
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("#setup-go")
    page.wait_for_selector("#setup-result")
    assert "渌口区" in page.locator("#setup-result h2").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert Region.objects.filter(parent__code="430212000000").count() == 8
    # the same choice again: nothing left to create
    page.goto(live_server.url + URL + "?province=430000000000&city=430200000000&county=430212000000")
    page.wait_for_selector("#setup-nothing")
    ctx.close()


def test_the_page_in_english(db):
    c = client_of(make_admin())
    c.post("/i18n/setlang/", {"language": "en", "next": URL})
    html = c.get(URL, LUKOU).content.decode()
    assert "Set up the jurisdiction from the national division table" in html
    assert "Preview: 渌口区 (430212000000)" in html and "Confirm and build" in html
    assert "Set up regions" in html  # the navigation link
