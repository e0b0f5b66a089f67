"""``minqing import policies FILE``: CSV and XLSX through the import command, all rows or none."""

import pytest
from django.core.management import CommandError, call_command
from visits.conftest import make_subject

from minqing.policies import eligibility
from minqing.policies.models import Policy
from minqing.tabular import safe_row

HEADER = "code,name,department,kind,benefit,tags_any,tags_all,region_code,attrs,starts_on,ends_on\n"


def write(tmp_path, text, name="p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_csv_creates_and_updates(world, tmp_path, capsys):
    make_subject(world, "H1", tags=["低保户"], extra={"disability": "一级"})
    make_subject(world, "H2", tags=["低保户"])
    path = write(tmp_path, HEADER +
                 "dibao-heat,低保户取暖补贴,lk-housing,户,每户300元,低保户,,430212,disability=一级|二级,2026-01-01,2099-12-31\n"
                 "ent-tax,小微企业减税,lk-roads,企业,,,,430212,,,\n")
    call_command("import", "policies", path)
    assert "created=2" in capsys.readouterr().out
    p = Policy.objects.get(code="dibao-heat")
    assert p.kind == "household" and p.tags_any == ["低保户"] and p.attrs == {"disability": ["一级", "二级"]}
    assert [s.external_id for s in eligibility.eligible(p)] == ["H1"]
    call_command("import", "policies", write(tmp_path, HEADER + "ent-tax,小微企业减税降费,lk-roads,enterprise,,,,,,,\n"))
    assert Policy.objects.get(code="ent-tax").name == "小微企业减税降费"


def test_a_bad_row_refuses_the_file(world, tmp_path):
    path = write(tmp_path, HEADER + "ok,好政策,lk-housing,household,,,,430212,,,\n"
                                    "bad,坏政策,nope,household,,,,430212,,,\n"
                                    "bad2,坏政策,lk-housing,dog,,,,,,,\n")
    with pytest.raises(CommandError) as e:
        call_command("import", "policies", path)
    assert "row 3: department" in str(e.value) and "row 4: kind" in str(e.value)
    assert not Policy.objects.exists()
    call_command("import", "policies", path, on_error="skip")
    assert list(Policy.objects.values_list("code", flat=True)) == ["ok"]


def test_import_xlsx(world, tmp_path):
    import openpyxl

    from minqing import tabular  # noqa: F401  (cells written through the one escaping helper)

    wb = openpyxl.Workbook()  # a test writes its fixture; src/ never calls Workbook( directly
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(safe_row(["x1", "残疾人两项补贴", "lk-housing", "household", "", "残疾人", "", "430212", "", "", ""]))
    path = tmp_path / "p.xlsx"
    wb.save(path)
    call_command("import", "policies", str(path))
    assert Policy.objects.get(code="x1").tags_any == ["残疾人"]
