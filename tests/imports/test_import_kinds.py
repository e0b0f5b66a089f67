"""Every kind goes through the page's steps with the CLI's importer: regions, departments,
hotline work orders with the 12345 export's Chinese headers (offered by the hotline mapping's
usual names), staff and pairings; a bad row of each is reported by its spreadsheet row."""

import pytest

from minqing.cases.models import Case
from minqing.imports import actions
from minqing.imports.jobs import run_imports
from minqing.imports.models import Status
from minqing.people.models import Membership
from minqing.regions.models import Department, Region
from minqing.visits.models import Pairing, Subject

from .helpers import csv_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _through(world, kind, header, rows, who="admin", mapping=None):
    actor = world.actor(who)
    job = actions.do_upload(actor, kind=kind, upload=csv_upload(f"{kind}.csv", header, rows), skip_bad=True)
    actions.do_set_mapping(actor, job, mapping or job.mapping, True)
    run_imports()
    job.refresh_from_db()
    assert job.status == Status.CHECKED, job.message
    checked = list(job.bad_rows)
    actions.do_confirm(actor, job)
    run_imports()
    job.refresh_from_db()
    assert job.status == Status.DONE, job.message
    return job, checked


def test_regions(world):
    job, bad = _through(world, "regions", ["code", "name", "level", "parent_code"], [
        ["430212101203", "新村", "village", "430212101"], ["430212101204", "错村", "planet", "430212101"]])
    assert bad == [3] and Region.objects.filter(code="430212101203").exists()
    assert not Region.objects.filter(code="430212101204").exists()


def test_departments(world):
    job, bad = _through(world, "departments", ["code", "name", "region_code", "categories"], [
        ["lk-health", "渌口区卫健局", "430212", "other"], ["lk-x", "某局", "999", "other"]])
    assert bad == [3] and Department.objects.filter(code="lk-health").exists()


def test_hotline_work_orders_with_the_exports_headers(world):
    header = ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求内容", "所属区域", "办理状态"]
    rows = [["GD1", "2024-03-04 09:15:00", "李四", "13812340001", "投诉", "朱亭村自来水断供两天", "渌口区朱亭镇朱亭村", "已受理"],
            ["GD2", "昨天下午", "王五", "13812340002", "投诉", "时间写错的工单", "朱亭镇", "已受理"]]
    job = actions.do_upload(world.actor("disp_lk"), kind="cases", upload=csv_upload("gd.csv", header, rows))
    assert job.mapping["external_id"] == "工单编号" and job.mapping["registered_at"] == "来电时间"
    assert job.mapping["region"] == "所属区域" and job.mapping["state"] == "办理状态"
    job, bad = _through(world, "cases", header, rows, who="disp_lk")
    assert bad == [3]
    case = Case.objects.get(external_id="GD1")
    assert case.region.code == "430212101201" and case.channel == "hotline"
    assert not Case.objects.filter(external_id="GD2").exists()


def test_staff_and_pairs(world):
    job, bad = _through(world, "staff", ["用户名", "姓名", "角色", "区划代码"], [
        ["li4", "李四", "网格员", "430212101"], ["wang5", "王五", "承办人", ""]])
    assert bad == [3] and Membership.objects.get(user__username="li4").role == "cadre"
    region = world.regions["430212101201"]
    Subject.objects.create(external_id="S1", kind="household", name="张一", region=region, region_path=region.path)
    job, bad = _through(world, "pairs", ["干部", "对象编号"], [["li4", "S1"], ["li4", "S404"]], who="disp_zt")
    assert bad == [3] and Pairing.objects.get().cadre.username == "li4"


def test_a_kind_of_the_cli_table_without_an_entry_is_offered_from_its_columns(world, monkeypatch):
    import importlib

    from minqing.imports import kinds

    from . import fake_importer

    command = importlib.import_module("minqing.regions.management.commands.import")
    monkeypatch.setitem(command.IMPORTERS, "things", "imports.fake_importer.import_things")
    monkeypatch.setattr(kinds, "_CACHE", {})
    kind = kinds.get("things")
    assert kind.fields == ("code", "name", "note") and kind.generic
    assert kind not in kinds.allowed_kinds(world.actor("disp_lk"))  # the admin's
    job, bad = _through(world, "things", ["编码", "名称"], [["T1", "甲"], ["", "乙"]],
                        mapping={"code": "编码", "name": "名称"})
    assert bad == [3] and fake_importer.SEEN == ["甲"]
    monkeypatch.setattr(kinds, "_CACHE", {})


def test_a_township_dispatcher_imports_work_orders_of_their_township_only(world):
    header = ["工单编号", "来电时间", "诉求内容", "所属区域"]
    rows = [["GD1", "2024-03-04 09:15:00", "朱亭村自来水断供两天", "渌口区朱亭镇朱亭村"],
            ["GD2", "2024-03-04 09:20:00", "龙船村路灯不亮", "渌口区龙船镇龙船村"],
            ["GD3", "2024-03-04 09:30:00", "龙船镇路面塌陷", "430212102"]]
    job, bad = _through(world, "cases", header, rows, who="disp_zt")
    assert bad == [3, 4]
    assert list(Case.objects.values_list("external_id", flat=True)) == ["GD1"]
