"""The pages over HTTP: who may open them, upload → mapping → check → confirm → done, the
progress JSON, the rejected rows file, the upload limit's clear 400, bad input never a 500;
the people pages (add with a one-time password shown once, roles, reset, deactivate)."""

import json

import pytest
from django.test import Client

from minqing.imports.jobs import run_imports
from minqing.imports.models import ImportJob
from minqing.people.models import Membership
from minqing.visits.models import Subject

from .helpers import HOUSEHOLD_HEADER, csv_upload, households

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def _post_upload(c, skip=False, rows=None, name="h.csv"):
    return c.post("/work/imports/", {"kind": "subjects", "on_error": "skip" if skip else "refuse",
                                     "file": csv_upload(name, HOUSEHOLD_HEADER, rows or households())})


def test_the_import_page_is_for_admins_and_dispatchers(world):
    assert login(world, "admin").get("/work/imports/").status_code == 200
    assert login(world, "disp_zt").get("/work/imports/").status_code == 200
    for who in ("water", "cadre_zt", "leader_city"):
        assert login(world, who).get("/work/imports/").status_code == 403
    assert Client().get("/work/imports/").status_code == 302  # to the login


def test_upload_map_check_confirm_done_over_http(world):
    c = login(world, "disp_zt")
    resp = _post_upload(c, skip=True)
    assert resp.status_code == 302
    url = resp["Location"]
    page = c.get(url).content.decode()
    assert 'id="preview"' in page and "张一" in page and 'name="map_external_id"' in page
    job = ImportJob.objects.get()
    form = {f"map_{f}": col for f, col in job.mapping.items()}
    assert c.post(url + "map/", {**form, "on_error": "skip"}).status_code == 302
    status = json.loads(c.get(url + "status.json").content)
    assert status["status"] == "check_queued" and status["finished"] is False
    run_imports()
    page = c.get(url).content.decode()
    assert 'id="row-errors"' in page and 'id="confirm"' in page and "region_code" in page
    assert c.post(url + "confirm/").status_code == 302
    run_imports()
    status = json.loads(c.get(url + "status.json").content)
    assert status["status"] == "done" and status["finished"] and status["result"]["created"] == 2
    assert Subject.objects.count() == 2
    rejected = c.get(url + "rejected.csv")
    assert rejected.status_code == 200 and "H3" in rejected.content.decode("utf-8-sig")
    assert "attachment" in rejected["Content-Disposition"]
    assert c.get(url + "rejected.xlsx").status_code == 200
    assert c.get(url + "rejected.pdf").status_code == 404


def test_a_missing_required_column_is_a_400_on_the_page(world):
    c = login(world, "admin")
    url = _post_upload(c)["Location"]
    job = ImportJob.objects.get()
    form = {f"map_{f}": col for f, col in job.mapping.items()}
    resp = c.post(url + "map/", {**form, "map_name": "", "on_error": "refuse"})
    assert resp.status_code == 400 and "name" in resp.content.decode()
    resp = c.post(url + "map/", {**form, "map_name": "x" * 5000})
    assert resp.status_code == 400
    resp = c.post(url + "confirm/")  # not checked yet
    assert resp.status_code == 400


def test_all_or_nothing_with_a_bad_row_offers_no_confirm(world):
    c = login(world, "admin")
    url = _post_upload(c)["Location"]
    job = ImportJob.objects.get()
    c.post(url + "map/", {**{f"map_{f}": col for f, col in job.mapping.items()}, "on_error": "refuse"})
    run_imports()
    page = c.get(url).content.decode()
    assert 'id="confirm"' not in page and 'id="rejected-csv"' in page
    assert c.post(url + "confirm/").status_code == 400
    assert not Subject.objects.exists()


def test_the_upload_limit_and_bad_uploads_are_clear_400s(world, settings):
    settings.MINQING_IMPORT_MAX_BYTES = 1024 * 1024
    c = login(world, "admin")
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.csv", b"a,b\n" + b"1,2\n" * 300000)
    resp = c.post("/work/imports/", {"kind": "subjects", "file": big})
    assert resp.status_code == 400 and "1 MB" in resp.content.decode()
    resp = c.post("/work/imports/", {"kind": "subjects"})
    assert resp.status_code == 400
    resp = c.post("/work/imports/", {"kind": "nope", "file": csv_upload("a.csv", ["a"], [["1"]])})
    assert resp.status_code == 400
    resp = c.post("/work/imports/", {"kind": "subjects", "file": SimpleUploadedFile("a.csv", b"\xff\xfe\x00bad")})
    assert resp.status_code == 400
    assert not ImportJob.objects.exists()


def test_a_job_is_its_creators_and_the_admins(world):
    url = _post_upload(login(world, "disp_zt"))["Location"]
    assert login(world, "disp_lk").get(url).status_code == 404
    assert login(world, "disp_lk").get(url + "status.json").status_code == 404
    assert login(world, "disp_lk").get(url + "rejected.csv").status_code == 404
    assert login(world, "admin").get(url).status_code == 200
    assert login(world, "admin").get("/work/imports/999999/").status_code == 404


def test_the_people_pages_add_a_person_and_show_the_password_once(world):
    c = login(world, "admin")
    assert c.get("/work/people/").status_code == 200
    resp = c.post("/work/people/", {"username": "zhang3", "name": "张三", "role": "cadre", "region_code": "430212101"})
    page = resp.content.decode()
    assert resp.status_code == 200 and 'id="otp"' in page and resp["Cache-Control"] == "no-store"
    otp = page.split('id="otp">')[1].split("<")[0]
    fresh = Client()
    assert fresh.post("/login/", {"username": "zhang3", "password": otp}).status_code == 302
    person = Membership.objects.get(user__username="zhang3").user
    again = c.get(f"/work/people/{person.pk}/").content.decode()
    assert otp not in again  # shown once
    assert "张三" in c.get("/work/people/?q=zhang").content.decode()
    bad = c.post("/work/people/", {"username": "h9", "role": "handler"})
    assert bad.status_code == 400 and "department" in bad.content.decode()


def test_the_person_page_gives_roles_resets_and_deactivates(world):
    c = login(world, "admin")
    cadre = world.users["cadre_zt"]
    base = f"/work/people/{cadre.pk}/"
    assert c.post(base + "role/", {"role": "dispatcher", "region_code": "430212101"}).status_code == 302
    m = Membership.objects.get(user=cadre, role="dispatcher")
    assert c.post(base + "unrole/", {"membership": str(m.pk)}).status_code == 302
    assert not Membership.objects.filter(user=cadre, role="dispatcher").exists()
    assert c.post(base + "role/", {"role": "dispatcher", "region_code": "nope"}).status_code == 400
    resp = c.post(base + "password/")
    assert resp.status_code == 200 and 'id="otp"' in resp.content.decode()
    assert c.post(base + "deactivate/").status_code == 302
    cadre.refresh_from_db()
    assert not cadre.is_active
    assert c.post(base + "activate/").status_code == 302
    assert c.post(base + "fly/").status_code == 404
    assert c.post(base + "unrole/", {"membership": "x"}).status_code == 404


def test_the_people_pages_are_the_admins(world):
    c = login(world, "disp_lk")
    assert c.get("/work/people/").status_code == 403
    assert c.post(f"/work/people/{world.users['cadre_zt'].pk}/password/").status_code == 403


def test_the_nav_links_to_imports_and_staff_by_role(world):
    def nav(who):
        html = login(world, who).get("/work/cases/").content.decode()
        return html[html.index("<nav"):html.index("</nav>")]

    assert 'href="/work/imports/"' in nav("admin") and 'href="/work/people/"' in nav("admin")
    assert 'href="/work/imports/"' in nav("disp_lk") and 'href="/work/people/"' not in nav("disp_lk")
    assert 'href="/work/imports/"' not in nav("water") and 'href="/work/people/"' not in nav("water")


def test_minqing_worker_runs_the_imports_job(tworld, settings):
    import io

    from django.core.management import call_command

    job = [j for j in settings.MINQING_WORKER_JOBS if j[0] == "imports"]
    assert job and job[0][2] == "minqing.imports.jobs.run_imports"
    settings.MINQING_WORKER_JOBS = job
    c = login(tworld, "admin")
    url = _post_upload(c, rows=households(bad=False))["Location"]
    j = ImportJob.objects.get()
    c.post(url + "map/", {**{f"map_{f}": col for f, col in j.mapping.items()}, "on_error": "refuse"})
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert "imports: 1 imports" in out.getvalue()
    assert ImportJob.objects.get().status == "checked"
