"""A county's first day through the pages only, in headless Chromium, after one command,
``minqing init --region 430212000000`` (渌口区 from the national division table: its towns,
villages and communities, and the county's departments from the template): the admin adds a cadre and a dispatcher (one-time passwords),
imports households with one bad row (skipping it), downloads the rejected row, fixes it and
uploads it again, pairs the households with the cadre from a spreadsheet; the new dispatcher
logs in with the one-time password, registers a case and assigns it.

The worker's job runs in the test (``run_imports``, what ``minqing worker`` runs every few
seconds) while the page polls its progress and reloads by itself."""

import csv
import io
import os

import pytest
from django.contrib.auth import get_user_model
from web.test_browser import CHROMIUM_ARGS

from minqing.cases.models import Case
from minqing.imports.jobs import run_imports
from minqing.imports.models import ImportJob, Status
from minqing.people.models import Membership
from minqing.visits.models import Pairing, Subject

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

def _csv(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def county(transactional_db, settings, tmp_path):
    """``minqing init --region 430212000000``, a county's first and only command."""
    from django.core.cache import cache
    from django.core.management import call_command

    cache.clear()
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("init", "--region", "430212000000", stdout=out)
    assert "朱亭镇" in out.getvalue()
    get_user_model().objects.create_superuser("admin", password="pw-admin-123456")
    return tmp_path


def _login(browser, live_server, username, password, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(30000)  # a shared, busy machine
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def _no_sideways_scroll(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, (scroll, inner)


def _add_staff(page, username, name, role, region):
    page.goto(page.url.split("/work/")[0].split("/home/")[0] + "/work/people/")
    page.fill("#id_username", username)
    page.fill("#id_name", name)
    page.select_option("#id_role", role)
    page.fill("#id_region_code", region)
    page.click("#add-staff button[type=submit]")
    return page.inner_text("#otp").strip()


def _work_the_job(page):
    """The page waits on the worker; run it, and the page reloads by itself when done."""
    page.wait_for_selector("#progress")
    job = ImportJob.objects.order_by("-id").first()
    run_imports()
    page.wait_for_selector("#progress", state="detached")
    job.refresh_from_db()
    return job


def _import(page, base, kind, filename, body, skip=True):
    page.goto(base + "/work/imports/")
    page.select_option("#id_kind", kind)
    page.set_input_files("#id_file", files=[{"name": filename, "mimeType": "text/csv", "buffer": body}])
    page.check(f"#upload-form input[name=on_error][value={'skip' if skip else 'refuse'}]")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#mapping-form")
    _no_sideways_scroll(page)
    page.click("#check-button")
    job = _work_the_job(page)
    assert job.status == Status.CHECKED, job.message
    return job


def _confirm(page):
    page.click("#confirm")
    job = _work_the_job(page)
    assert job.status == Status.DONE, job.message
    page.wait_for_selector("#result")
    return job


@pytest.mark.parametrize("width", [390])
def test_a_countys_first_day_through_the_pages(county, live_server, browser, width):
    base = live_server.url
    admin = _login(browser, live_server, "admin", "pw-admin-123456", width)

    # 1. the admin adds a grid cadre and the township's dispatcher; each gets a one-time password
    cadre_pw = _add_staff(admin, "wang_gy", "王网格", "cadre", "430212101000")
    disp_pw = _add_staff(admin, "zt_disp", "朱调度", "dispatcher", "430212101000")
    assert Membership.objects.get(user__username="zt_disp").region.code == "430212101000"
    assert cadre_pw != disp_pw
    _no_sideways_scroll(admin)

    # 2. households from the village's spreadsheet, one with a wrong village code: skip it
    header = ["编号", "类型", "户主姓名", "村代码", "地址"]
    rows = [["ZT-001", "农户", "张一", "430212101202", "一组1号"], ["ZT-002", "农户", "张二", "430212101202", "一组2号"],
            ["ZT-003", "农户", "李三", "43021210220X", "二组3号"]]
    job = _import(admin, base, "subjects", "朱亭村住户.csv", _csv(header, rows))
    assert job.bad_rows == [4]
    assert "43021210220X" in admin.inner_text("#row-errors") or "region_code" in admin.inner_text("#row-errors")
    _confirm(admin)
    assert sorted(Subject.objects.values_list("external_id", flat=True)) == ["ZT-001", "ZT-002"]

    # 3. the rejected row comes back as a file; fixed, it goes in on its own
    with admin.expect_download() as dl:
        admin.click("#rejected-csv")
    with open(dl.value.path(), encoding="utf-8-sig") as f:
        fixed = f.read().replace("43021210220X", "430212101205")
    assert "李三" in fixed and "张一" not in fixed
    job = _import(admin, base, "subjects", "朱亭村住户-修正.csv", fixed.encode("utf-8"), skip=False)
    assert job.bad_rows == [] and job.mapping["region_code"] == "村代码"  # the mapping chosen last time
    _confirm(admin)
    assert Subject.objects.get(external_id="ZT-003").region.code == "430212101205"

    # 4. the households are paired with the cadre from a spreadsheet
    pairs = _csv(["干部", "对象编号", "role"], [["wang_gy", e, "结对"] for e in ("ZT-001", "ZT-002", "ZT-003")])
    _import(admin, base, "pairs", "结对.csv", pairs, skip=False)
    _confirm(admin)
    assert Pairing.objects.filter(cadre__username="wang_gy", until__isnull=True).count() == 3
    admin.context.close()

    # 5. the new dispatcher logs in with the one-time password, registers a call and assigns it
    disp = _login(browser, live_server, "zt_disp", disp_pw, width)
    disp.goto(base + "/work/intake/")
    disp.fill("#id_reporter_phone", "13700001234")
    disp.fill("#id_reporter_name", "张一")
    disp.fill("#id_text", "政花村一组停水两天了，老人孩子喝水都成问题")
    disp.fill("#id_place", "渌口区朱亭镇政花村 430212101202")
    disp.fill("#id_category", "供水")
    disp.click("#intake-save")
    code = disp.inner_text("#done-code").strip()
    case = Case.objects.get(tracking_code=code)
    assert case.region.code == "430212101202" and case.state == "registered"
    disp.goto(base + f"/case/{case.pk}/")
    disp.click("#action-assign summary")
    disp.select_option("#id_assign-department", label=disp.locator(
        "#id_assign-department option", has_text="渌口区水利局").first.inner_text())
    if disp.locator("#id_assign-mode").count():
        disp.select_option("#id_assign-mode", "immediate")
    disp.click("#action-assign button[type=submit]")
    disp.wait_for_selector("#case-state:has-text('已交办')")
    case.refresh_from_db()
    assert case.state == "assigned" and case.lead_department.code == "430212-water"
    _no_sideways_scroll(disp)
    disp.context.close()


def test_the_import_and_people_pages_at_desktop_width(county, live_server, browser):
    page = _login(browser, live_server, "admin", "pw-admin-123456", 1366)
    page.goto(live_server.url + "/work/imports/?kind=staff")
    assert page.locator("#id_kind option:checked").get_attribute("value") == "staff"
    _no_sideways_scroll(page)
    page.set_input_files("#id_file", files=[{"name": "staff.csv", "mimeType": "text/csv", "buffer": _csv(
        ["用户名", "姓名", "角色", "区划代码"], [["li4", "李四", "网格员", "430212111000"], ["x!", "坏", "cadre", "430212111000"]])}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview")
    assert page.locator("#map_username option:checked").inner_text() == "用户名"
    _no_sideways_scroll(page)
    page.click("#check-button")
    job = _work_the_job(page)
    assert job.bad_rows == [3]
    assert page.locator("#confirm").count() == 0  # all or nothing: a bad row, no import
    page.goto(live_server.url + "/work/people/")
    _no_sideways_scroll(page)
    page.context.close()
