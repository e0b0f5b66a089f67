"""minqing import subjects: columns, mapping, row-numbered errors, de-duplication, all or nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minqing.regions.importers import ImportFailed
from minqing.visits.creditcode import make
from minqing.visits.importers import import_subjects
from minqing.visits.models import Subject

HEADER = "external_id,kind,name,region_code,tags,credit_code,address,phone\n"
C1 = make("91430212MA4L00001")
C2 = make("91430212MA4L00002")


def write(tmp_path, text, name="s.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_import_csv_and_tags(vworld, tmp_path):
    p = write(tmp_path, HEADER + f"H1,household,张三,430212101201,低保户;独居老人,,朱亭村1组,13800000001\n"
                                 f"E1,enterprise,株洲某公司,430212101201,列统企业,{C1},朱亭工业园,\n")
    assert import_subjects(p) == {"created": 2, "updated": 0, "merged": 0, "skipped": 0}
    h1 = Subject.objects.get(external_id="H1")
    assert sorted(t.name for t in h1.tags.all()) == ["低保户", "独居老人"]
    assert h1.region_path == "/430000/430200/430212/430212101/430212101201/"
    assert Subject.objects.get(external_id="E1").credit_code == C1


def test_bad_rows_refuse_everything_with_row_numbers(vworld, tmp_path):
    bad = C1[:-1] + ("0" if C1[-1] != "0" else "1")
    p = write(tmp_path, HEADER + "H1,household,张三,430212101201,,,,\n"
                                 f"E1,enterprise,某公司,430212101201,,{bad},,\n"
                                 "H2,farm,李四,430212101201,,,,\n"
                                 "H3,household,,999,,,,\n"
                                 "H1,household,重复,430212101201,,,,\n")
    with pytest.raises(ImportFailed) as e:
        import_subjects(p)
    report = str(e.value)
    assert "第3行 row 3: credit_code" in report and "校验位错误" in report
    assert "第4行 row 4: kind" in report
    assert "第5行 row 5: region_code" in report
    assert "第6行 row 6: external_id" in report and "duplicate of row 2" in report
    assert Subject.objects.count() == 0


def test_skip_imports_good_rows(vworld, tmp_path):
    p = write(tmp_path, HEADER + "H1,household,张三,430212101201,,,,\nH2,household,李四,nope,,,,\n")
    r = import_subjects(p, on_error="skip")
    assert (r["created"], r["skipped"]) == (1, 1) and "row 3" in r["errors"]


def test_dedup_on_credit_code_and_household_number(vworld, tmp_path):
    header = HEADER.strip() + ",household_no\n"
    import_subjects(write(tmp_path, header + f"E1,enterprise,某公司,430212101201,,{C1},,,\n"
                                             "H1,household,张三,430212101201,,,朱亭村1组,,HN-1\n"))
    # another source, other ids: the same enterprise (credit code) and household (number + address)
    r = import_subjects(write(tmp_path, header + f"X-E,enterprise,某公司(更名),430212101201,,{C1},,,\n"
                                                 "X-H,household,张三,430212101201-G1,,,朱亭村1组,,HN-1\n"
                                                 "X-H2,household,张三,430212101201,,,朱亭村2组,,HN-1\n", "b.csv"))
    assert r == {"created": 1, "updated": 0, "merged": 2, "skipped": 0}
    assert Subject.objects.get(external_id="E1").name == "某公司(更名)"
    assert Subject.objects.get(external_id="H1").region.code == "430212101201-G1"
    assert not Subject.objects.filter(external_id__in=["X-E", "X-H"]).exists()
    assert Subject.objects.count() == 3
    # the same enterprise twice in one file
    with pytest.raises(ImportFailed, match="row 3: credit_code"):
        import_subjects(write(tmp_path, header + f"A,enterprise,甲,430212101201,,{C2},,,\n"
                                                 f"B,enterprise,乙,430212101201,,{C2},,,\n", "c.csv"))


def test_reimport_updates_and_replaces_tags(vworld, tmp_path):
    import_subjects(write(tmp_path, HEADER + "H1,household,张三,430212101201,低保户,,,\n"))
    r = import_subjects(write(tmp_path, HEADER + "H1,household,张三丰,430212101201,独居老人,,,\n", "b.csv"))
    assert r["updated"] == 1
    h1 = Subject.objects.get(external_id="H1")
    assert h1.name == "张三丰" and [t.name for t in h1.tags.all()] == ["独居老人"]


def test_mapping_file_and_xlsx(vworld, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "类型", "户主", "村代码", "是否低保", "家庭人口", "电话"])
    ws.append(["A-1", "农户", "王五", 430212101201, "是", 4, "13900000000"])
    ws.append(["A-2", "", "赵六", 430212101201, "否", 2, None])
    path = tmp_path / "s.xlsx"
    wb.save(path)
    mapping = write(tmp_path, '''
[columns]
external_id = "编号"
kind = "类型"
name = "户主"
region_code = "村代码"
phone = "电话"
[values.kind]
"农户" = "household"
[defaults]
kind = "household"
[tag_columns]
"是否低保" = "低保户"
[extra]
"家庭人口" = "population"
''', "m.toml")
    assert import_subjects(path, mapping=str(mapping))["created"] == 2
    a1 = Subject.objects.get(external_id="A-1")
    assert a1.extra == {"population": "4"} and [t.name for t in a1.tags.all()] == ["低保户"]
    assert Subject.objects.get(external_id="A-2").tags.count() == 0


def test_mapping_errors(vworld, tmp_path):
    p = write(tmp_path, "编号,name\nX,Y\n")
    with pytest.raises(ImportFailed, match="missing column"):
        import_subjects(p, mapping={"columns": {"external_id": "编号"}})
    with pytest.raises(ImportFailed, match="TOML"):
        import_subjects(p, mapping=str(write(tmp_path, "[columns\n", "bad.toml")))
    with pytest.raises(ImportFailed, match="lacks"):
        import_subjects(write(tmp_path, HEADER + "H1,household,张三,430212101201,,,,\n", "ok.csv"),
                        mapping={"tag_columns": {"是否低保": "低保户"}})


def test_command(vworld, tmp_path, capsys):
    p = write(tmp_path, HEADER + "H1,household,张三,430212101201,,,,\n")
    call_command("import", "subjects", str(p))
    assert "created=1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="row 2"):
        call_command("import", "subjects", str(write(tmp_path, HEADER + "H9,household,,x,,,,\n", "b.csv")))
