"""Imports on the page, rule by rule: the mapping offered and chosen (saved per person and
kind), the check (errors by row with the spreadsheet's row numbers, nothing written), all or
nothing versus skipping bad rows, the rejected rows as an inert file, the claim of a waiting
job by exactly one worker, the upload limit, a dispatcher's scope."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minqing.cases.errors import Forbidden, InvalidInput
from minqing.imports import actions, kinds
from minqing.imports.jobs import run_imports
from minqing.imports.models import AdminEvent, ImportJob, ImportMapping, Status
from minqing.visits.models import Subject

from .helpers import HOUSEHOLD_HEADER, csv_upload, households, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _upload(world, who="admin", kind="subjects", rows=None, header=HOUSEHOLD_HEADER, skip=False, name="h.csv"):
    return actions.do_upload(world.actor(who), kind=kind, upload=csv_upload(name, header, rows or households()),
                             skip_bad=skip)


def _check(world, job, who="admin", skip=False, mapping=None):
    actions.do_set_mapping(world.actor(who), job, mapping or job.mapping, skip)
    assert run_imports() == "1 imports"
    job.refresh_from_db()
    return job


def test_the_offered_mapping_finds_aliases_and_then_the_saved_choice(world):
    job = _upload(world)
    # 编号/户主姓名/村代码 are usual names of external_id/name/region_code; 地址 is address's label
    assert job.mapping["external_id"] == "编号" and job.mapping["name"] == "户主姓名"
    assert job.mapping["region_code"] == "村代码" and job.mapping["address"] == "地址"
    assert job.mapping["phone"] == ""
    # the person maps 类型 to kind differently… and chooses 地址 for household_no: saved for next time
    chosen = dict(job.mapping, household_no="地址")
    actions.do_set_mapping(world.actor("admin"), job, chosen, False)
    saved = ImportMapping.objects.get(user=world.users["admin"], kind="subjects").mapping
    assert saved["household_no"] == "地址"
    again = _upload(world)
    assert again.mapping["household_no"] == "地址"
    # another person gets the plain guess
    other = _upload(world, who="disp_lk")
    assert other.mapping["household_no"] == ""


def test_a_mapping_needs_every_required_field_and_only_columns_of_the_file(world):
    job = _upload(world)
    kind = kinds.get("subjects")
    with pytest.raises(InvalidInput) as e:
        actions.clean_mapping(kind, job.columns, dict(job.mapping, name=""))
    assert e.value.field == "name"
    with pytest.raises(InvalidInput) as e:
        actions.clean_mapping(kind, job.columns, dict(job.mapping, phone="电话号码"))
    assert e.value.field == "phone"
    assert actions.clean_mapping(kind, job.columns, job.mapping)["external_id"] == "编号"


def test_the_check_reports_errors_by_row_and_writes_nothing(world):
    job = _check(world, _upload(world))
    assert job.status == Status.CHECKED
    assert job.bad_rows == [4]
    assert job.errors[0][0] == 4 and job.errors[0][1] == "region_code"
    assert not Subject.objects.exists()  # the check ran the importer and rolled it back


def test_row_numbers_are_the_spreadsheets_even_below_a_title_and_blank_rows(world):
    body = xlsx_bytes([[None], HOUSEHOLD_HEADER, ["H1", "household", "张一", "430212101201", "三组1号"], [None],
                       ["H2", "household", "张二", "999", "三组2号"]])
    up = SimpleUploadedFile("h.xlsx", body)
    job = actions.do_upload(world.actor("admin"), kind="subjects", upload=up)
    job = _check(world, job)
    assert job.bad_rows == [5]


def test_all_or_nothing_refuses_to_confirm_a_file_with_bad_rows(world):
    job = _check(world, _upload(world))
    with pytest.raises(InvalidInput):
        actions.do_confirm(world.actor("admin"), job)
    assert not Subject.objects.exists()


def test_all_or_nothing_imports_a_clean_file(world):
    job = _check(world, _upload(world, rows=households(bad=False)))
    assert job.bad_rows == []
    actions.do_confirm(world.actor("admin"), job)
    run_imports()
    job.refresh_from_db()
    assert job.status == Status.DONE and job.result["created"] == 3
    assert Subject.objects.count() == 3


def test_skip_imports_the_good_rows_and_offers_the_bad_ones(world):
    job = _check(world, _upload(world), skip=True)
    actions.do_confirm(world.actor("admin"), job)
    run_imports()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert sorted(Subject.objects.values_list("external_id", flat=True)) == ["H1", "H2"]
    name, ctype, body = actions.rejected_rows(job, "csv")
    text = body.decode("utf-8-sig")
    assert name == "h-rejected.csv" and "H3" in text and "H1" not in text
    assert "region_code" in text  # the reason is in the last column
    assert AdminEvent.objects.filter(action="import_done", target=str(job.pk)).exists()


def test_the_rejected_rows_are_inert_in_csv_and_xlsx(world):
    rows = households(bad=False) + [["=HYPERLINK(\"http://x\",\"y\")", "household", "王五", "999", "四组"]]
    job = _check(world, _upload(world, rows=rows))
    assert job.bad_rows == [5]
    _, _, body = actions.rejected_rows(job, "csv")
    assert "'=HYPERLINK" in body.decode("utf-8-sig")
    _, _, body = actions.rejected_rows(job, "xlsx")
    cells = [c for r in openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True) for c in r]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells


def test_a_waiting_job_is_claimed_by_exactly_one_worker(world):
    job = _upload(world)
    actions.do_set_mapping(world.actor("admin"), job, job.mapping, False)
    first = actions.claim_next()
    assert first.pk == job.pk and first.status == Status.CHECKING
    assert actions.claim_next() is None  # nothing left for a second worker
    # the claim is conditional: a row another worker moved on is not taken
    ImportJob.objects.filter(pk=job.pk).update(status=Status.CHECK_QUEUED)
    won = ImportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(status=Status.RUNNING)
    assert won == 0


def test_a_claim_whose_worker_died_is_requeued_after_the_lease(world, settings):
    import datetime as dt

    from django.utils import timezone

    job = _upload(world)
    actions.do_set_mapping(world.actor("admin"), job, job.mapping, False)
    actions.claim_next()
    assert actions.requeue_stale() == 0
    ImportJob.objects.filter(pk=job.pk).update(progress_at=timezone.now() - dt.timedelta(seconds=3600))
    assert actions.requeue_stale() == 1
    assert ImportJob.objects.get(pk=job.pk).status == Status.CHECK_QUEUED


def test_the_upload_limit_is_a_clear_error(world, settings):
    settings.MINQING_IMPORT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.csv", b"external_id\n" + b"x" * (1024 * 1024 + 10))
    with pytest.raises(InvalidInput) as e:
        actions.do_upload(world.actor("admin"), kind="subjects", upload=big)
    assert "1 MB" in e.value.message
    assert not ImportJob.objects.exists()


def test_other_files_and_empty_files_are_refused(world):
    with pytest.raises(InvalidInput):
        actions.do_upload(world.actor("admin"), kind="subjects", upload=SimpleUploadedFile("a.pdf", b"%PDF"))
    with pytest.raises(InvalidInput):
        actions.do_upload(world.actor("admin"), kind="subjects", upload=csv_upload("e.csv", HOUSEHOLD_HEADER, []))


def test_who_may_import_what(world):
    # dispatchers: households, cases, pairings; staff, regions and departments are the admin's
    _upload(world, who="disp_zt")
    for kind in ("staff", "regions", "departments"):
        with pytest.raises(Forbidden):
            _upload(world, who="disp_zt", kind=kind)
    with pytest.raises(Forbidden):
        _upload(world, who="water")
    assert {k.name for k in kinds.allowed_kinds(world.actor("admin"))} == {
        "regions", "departments", "subjects", "cases", "staff", "pairs", "partners", "policies"}


def test_a_dispatcher_imports_only_into_their_region(world):
    rows = [["H1", "household", "张一", "430212101201", "三组1号"],
            ["H2", "household", "李二", "430212102201", "龙船村"]]  # 龙船镇: not 朱亭镇's
    job = _check(world, _upload(world, who="disp_zt", rows=rows), who="disp_zt")
    assert job.bad_rows == [3]
    assert "outside your scope" in job.errors[0][2]


def test_a_broken_file_fails_the_check_with_its_reason(world):
    job = _upload(world)
    actions.do_set_mapping(world.actor("admin"), job, job.mapping, False)
    actions.upload_path(job).write_bytes(b"\x00\xff not a table")
    run_imports()
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.message


def test_progress_figures_come_from_the_running_import(world):
    job = _upload(world)
    job.status, job.started_at = Status.RUNNING, job.created_at
    job.save()
    p = actions.FileProgress(job, every=0)
    p(2, 3)
    d = actions.status_dict(job)
    assert d["done"] == 2 and d["total"] == 3 and d["rate"] > 0 and d["seconds_left"] is not None
    assert d["finished"] is False
    p.clear()


def test_the_demo_shows_a_done_import_with_a_rejected_row(world):
    from minqing.demo.imports_example import build_import_example

    job = build_import_example(world.regions["430212101201"])
    assert job.status == Status.DONE and job.result["created"] == 4 and job.bad_rows == [5]
    assert Subject.objects.filter(external_id__startswith="IMP-").count() == 4


def test_old_uploads_are_removed_and_their_pages_say_so(world):
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    job = _check(world, _upload(world))
    path = actions.upload_path(job)
    assert path.exists()
    assert actions.drop_old_uploads() == 0
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    assert actions.drop_old_uploads() == 1
    assert not path.exists()
    job.refresh_from_db()
    c = Client()
    c.force_login(world.users["admin"])
    assert c.get(f"/work/imports/{job.pk}/").status_code == 200
    assert c.get(f"/work/imports/{job.pk}/rejected.csv").status_code == 404
    with pytest.raises(InvalidInput):
        actions.do_set_mapping(world.actor("admin"), job, job.mapping, False)
