"""Hotline (12345) imports: Chinese headers, a title row, merged cells, three date
formats, broken rows reported by row number, refuse/skip, re-import without duplicates,
and the bulk engine writing exactly what the actions layer writes."""

import csv
import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from minqing.cases.models import Case, Effect, Event, ReturnVisit
from minqing.insights import figures
from minqing.intake.importers import import_cases, parse_datetime
from minqing.regions.importers import ImportFailed

TZ = timezone.get_current_timezone()


def good_rows():
    return [
        # 工单编号, 来电时间, 来电人, 联系电话, 诉求类型, 诉求内容, 所属区域, 承办单位, 办理状态, 办结时间, 办理结果, 回访满意度
        ["GD2024030001", "2024-03-04 09:15:00", "李四", "13812340001", "投诉", "朱亭村自来水断供两天",
         "渌口区朱亭镇朱亭村", "渌口区水务局", "已办结", "2024/3/6 16:20", "已抢修管道，恢复供水", "满意"],
        ["GD2024030002", "2024/3/4 10:02", "王五", "13812340002", "求助", "龙船村路灯不亮",
         "龙船村", "渌口区交通运输局", "已办结", "2024年3月20日 11时05分", "已更换灯具", "不满意"],
        ["GD2024030003", "2024年3月5日 08时30分", "赵六", "13812340003", "咨询", "小区物业费标准咨询",
         "430212101", "", "办理中", "", "", ""],  # merged 承办单位 below
        ["GD2024030004", dt.datetime(2024, 3, 5, 14, 0), "", "", "建议", "建议朱亭镇增设公交站",
         "朱亭镇", "", "已派单", "", "", ""],  # merged 承办单位 from the row above
        ["GD2024030005", "2024-03-06 09:00", "", "", "举报", "有人在河道倾倒垃圾", "朱亭村一网格",
         "朱亭镇综治办", "已归档", "2024-03-07 10:00", "已清理", ""],  # anonymous: closed by rule
        ["GD2024030006", "2024-03-06 10:00", "钱七", "13812340007", "投诉", "骚扰电话", "朱亭镇", "",
         "无效工单", "", "", ""],
        ["GD2024030007", "2024-03-07 10:00", "孙八", "13812340008", "投诉", "楼道堆放杂物有火灾隐患", "渌口区",
         "", "已受理", "", "", ""],
    ]


def bad_rows():
    return [
        ["GD2024039001", "昨天下午", "周一", "13812349001", "投诉", "时间写错的工单", "朱亭镇", "", "已受理", "", "", ""],
        ["GD2024039002", "2024-03-08 09:00", "吴二", "13812349002", "投诉", "区域不存在", "火星镇", "", "已受理", "", "", ""],
        ["GD2024039003", "2024-03-08 09:00", "郑三", "13812349003", "投诉", "", "朱亭镇", "", "已受理", "", "", ""],
        ["GD2024039004", "2024-03-08 09:00", "冯四", "13812349004", "投诉", "办结却没有办结时间", "朱亭镇",
         "朱亭镇综治办", "已办结", "", "", "满意"],
        ["GD2024030001", "2024-03-08 09:00", "陈五", "13812349005", "投诉", "重复的工单编号", "朱亭镇", "", "已受理", "", "", ""],
        ["GD2024039006", "2024-03-09 09:00", "褚六", "13812349006", "投诉", "办结早于来电", "朱亭镇",
         "朱亭镇综治办", "已办结", "2024-03-01 09:00", "已处理", "满意"],
        ["GD2024039007", "2024-03-09 09:00", "卫七", "13812349007", "投诉", "承办单位不存在", "朱亭镇",
         "不存在的局", "办理中", "", "", ""],
    ]


@pytest.fixture
def export(tmp_path, make_export):
    def build(rows, name="export.xlsx"):
        # 承办单位 (column H) of the 3rd and 4th data rows is one merged cell: rows 5-6 of the sheet
        merges = ["H5:H6"]
        rows = [list(r) for r in rows]
        rows[2][7] = "渌口区住建局"
        rows[3][7] = ""
        return make_export(tmp_path / name, rows, merges=merges)

    return build


def test_parse_datetime_formats():
    want = dt.datetime(2024, 3, 5, 14, 30, tzinfo=TZ)
    for s in ("2024-03-05 14:30:00", "2024-03-05 14:30", "2024/3/5 14:30", "2024年3月5日 14时30分",
              "2024年3月5日 14:30", "20240305143000", 45356 + 14.5 / 24):
        assert parse_datetime(s) == want, s
    assert parse_datetime("2024年3月5日") == dt.datetime(2024, 3, 5, tzinfo=TZ)
    for bad in ("昨天", "2024-13-45", "12"):
        with pytest.raises(ValueError):
            parse_datetime(bad)


def test_refuse_reports_bad_rows_and_imports_nothing(world, export):
    path = export(good_rows() + bad_rows())
    with pytest.raises(ImportFailed) as e:
        import_cases(path)
    report = str(e.value)
    # the title is row 1, headers row 2: data rows start at 3; the bad ones are rows 10..16
    for n, needle in [(10, "来电时间"), (11, "火星镇"), (12, "诉求内容"), (13, "办结时间"), (14, "第3行"),
                      (15, "before"), (16, "不存在的局")]:
        line = next((ln for ln in report.splitlines() if ln.startswith(f"第{n}行")), "")
        assert needle in line, (n, report)
    assert Case.objects.count() == 0 and Event.objects.count() == 0


def test_skip_imports_good_rows_in_the_right_state(world, export):
    path = export(good_rows() + bad_rows())
    out = import_cases(path, on_error="skip")
    assert out["created"] == 7 and out["skipped"] == 7 and out["rows"] == 14
    assert "第10行" in out["errors"]
    by = {c.external_id: c for c in Case.objects.select_related("region", "lead_department")}
    c1 = by["GD2024030001"]
    assert c1.state == "closed" and c1.resolved and c1.channel == "hotline" and c1.kind == "complaint"
    assert c1.region.code == "430212101201" and c1.lead_department.code == "lk-water"
    assert c1.registered_at == dt.datetime(2024, 3, 4, 9, 15, tzinfo=TZ)
    assert c1.handled_at == dt.datetime(2024, 3, 6, 16, 20, tzinfo=TZ)
    assert [e.action for e in c1.events.all()] == ["register", "assign", "accept", "handle", "visit_back"]
    assert c1.handled_on_time is True and c1.effect.rating == "satisfied"
    c2 = by["GD2024030002"]
    assert c2.state == "reopened" and c2.reopen_count == 1
    assert c2.handled_on_time is False  # 3 working days for immediate handling; answered after 2 weeks
    assert by["GD2024030003"].state == "in_progress" and by["GD2024030003"].lead_department.code == "lk-housing"
    # the merged 承办单位 cell carries down
    assert by["GD2024030004"].state == "assigned" and by["GD2024030004"].lead_department.code == "lk-housing"
    c5 = by["GD2024030005"]
    assert c5.state == "closed" and c5.close_rule == "anonymous" and not c5.resolved
    assert by["GD2024030006"].state == "invalid"
    assert by["GD2024030007"].state == "registered" and by["GD2024030007"].region.code == "430212"
    # figures from the stored fields agree with figures replayed from the events
    ids = list(by_id.pk for by_id in by.values())
    counts = figures.compute()["counts"]
    replayed = figures.from_events(ids)
    for key, value in replayed.items():
        assert counts[key] == value, key
    assert counts["intake"] == 6  # the invalid one is left out


def test_reimport_updates_and_never_duplicates(world, export, tmp_path):
    rows = good_rows()
    import_cases(export(rows))
    n_cases, n_events = Case.objects.count(), Event.objects.count()
    out = import_cases(export(rows))
    assert out["created"] == 0 and out["updated"] == 0 and out["unchanged"] == 7
    assert (Case.objects.count(), Event.objects.count()) == (n_cases, n_events)
    # the export a week later: GD2024030003 handled and rated, GD2024030007 assigned
    rows[2][8:12] = ["已办结", "2024-03-12 10:00", "已答复物业收费标准", "基本满意"]
    rows[6][7:9] = ["渌口区住建局", "已派单"]
    out = import_cases(export(rows, "later.xlsx"))
    assert out["created"] == 0 and out["updated"] == 2 and out["unchanged"] == 5
    assert Case.objects.count() == n_cases
    c3 = Case.objects.get(external_id="GD2024030003")
    assert c3.state == "closed" and c3.last_rating == "basically_satisfied"
    assert [e.action for e in c3.events.all()] == ["register", "assign", "accept", "handle", "visit_back"]
    c7 = Case.objects.get(external_id="GD2024030007")
    assert c7.state == "assigned" and c7.lead_department.code == "lk-housing"
    # never backwards: an older export does not undo progress
    out = import_cases(export(good_rows(), "older.xlsx"))
    assert out["updated"] == 0
    assert Case.objects.get(external_id="GD2024030003").state == "closed"


FIELDS = ["state", "version", "channel", "kind", "text", "category_id", "region_id", "region_path", "owner_region_id",
          "address", "reporter_name", "reporter_phone", "anonymous", "mode", "lead_department_id", "deadline",
          "response_deadline", "alert_level", "registered_at", "assigned_at", "accepted_at", "accepted_on_time",
          "handled_at", "handled_on_time", "closed_at", "result", "disposition", "close_rule", "last_rating",
          "last_score", "reopen_count", "ever_handled", "resolved", "created_by_id"]


def _snapshot(prefix):
    out = {}
    for c in Case.objects.filter(external_id__startswith=prefix).order_by("external_id"):
        key = c.external_id[len(prefix):]
        events = [(e.action, e.from_state, e.to_state, e.at, e.note, e.data, e.actor_label, e.public)
                  for e in c.events.all()]
        visits = [(v.at, v.via, v.reached, v.rating, v.score, v.note) for v in ReturnVisit.objects.filter(case=c)]
        effect = Effect.objects.filter(case=c).values_list("what_was_done", "confirmed_at", "rule", "rating", "score")
        out[key] = ({f: getattr(c, f) for f in FIELDS}, events, visits, list(effect))
    return out


def test_bulk_engine_writes_what_the_actions_layer_writes(world, export):
    from minqing.people.scoping import Actor

    actor = Actor.system("import:test")
    rows_a = [[("A-" + r[0])] + r[1:] for r in good_rows()]
    rows_b = [[("B-" + r[0])] + r[1:] for r in good_rows()]
    import_cases(export(rows_a, "a.xlsx"), engine="actions", actor=actor)
    import_cases(export(rows_b, "b.xlsx"), engine="bulk", actor=actor)
    a, b = _snapshot("A-"), _snapshot("B-")
    assert a.keys() == b.keys() and len(a) == 7
    for key in a:
        (fa, ea, va, xa), (fb, eb, vb, xb) = a[key], b[key]
        assert fa == fb, key
        assert ea == eb, key
        assert (va, xa) == (vb, xb), key


def test_csv_in_gbk_and_a_custom_mapping(world, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[options]\nchannel = "mailbox"\n[columns]\nexternal_id = "编号"\nregistered_at = "时间"\ntext = "内容"\n'
        'region = "村"\nstate = "状态"\ndepartment = "单位"\n[values.state]\n"处理中" = "in_progress"\n',
        encoding="utf-8",
    )
    path = tmp_path / "mailbox.csv"
    with open(path, "w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "时间", "内容", "村", "状态", "单位"])
        w.writerow(["XX-1", "2024/3/4 9:00", "书记信箱：修路", "朱亭村", "处理中", "lk-roads"])
    out = import_cases(path, mapping=mapping)
    assert out["created"] == 1
    c = Case.objects.get(external_id="XX-1")
    assert c.channel == "mailbox" and c.state == "in_progress" and c.lead_department.code == "lk-roads"


def test_bad_mapping_and_bad_file(world, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[columns]\nexternal_id = \"编号\"\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="registered_at"):
        import_cases(tmp_path / "x.csv", mapping=bad)
    with pytest.raises(ImportFailed, match="file not found"):
        import_cases(tmp_path / "missing.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportFailed, match="cannot read"):
        import_cases(broken)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="header"):
        import_cases(other)


def test_command(world, export, capsys):
    path = export(good_rows())
    call_command("import", "cases", str(path))
    assert "created=7" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import", "cases", str(export(bad_rows(), "bad.xlsx")))
    call_command("import", "cases", str(export(good_rows() + bad_rows(), "mixed.xlsx")), on_error="skip")
    captured = capsys.readouterr()
    assert "skipped=7" in captured.out and "第10行" in captured.err
