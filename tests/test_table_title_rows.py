"""A spreadsheet as exports write it: a title row (one cell, often merged across the sheet) and
blank rows above the header. The table reader finds the header (the first row naming two or
more columns) and leaves those rows out, for CSV and XLSX alike; the numbers stay the
spreadsheet's own row numbers."""

import openpyxl
import pytest

from minqing.tabular import TableError, read_rows


def test_csv_title_and_blank_rows_above_the_header(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text("12345热线工单导出（2026年11月）,,\n,,\n工单编号,诉求内容,地址\nGD1,停水三天,朱亭村三组\n",
                 encoding="utf-8")
    assert list(read_rows(p)) == [(4, {"工单编号": "GD1", "诉求内容": "停水三天", "地址": "朱亭村三组"})]


def test_xlsx_merged_title_above_the_header(tmp_path):
    p = tmp_path / "orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "12345热线工单导出"
    ws.merge_cells("A1:C1")
    ws.append(["工单编号", "诉求内容", "地址"])
    ws.append(["GD1", "路灯坏了", 3])
    wb.save(p)
    assert list(read_rows(p)) == [(3, {"工单编号": "GD1", "诉求内容": "路灯坏了", "地址": 3})]


def test_a_file_without_a_title_reads_as_before(tmp_path):
    p = tmp_path / "plain.csv"
    p.write_text("code,name\n430212,渌口区\n", encoding="utf-8")
    assert list(read_rows(p)) == [(2, {"code": "430212", "name": "渌口区"})]
    one = tmp_path / "one.csv"
    one.write_text("name\n渌口区\n", encoding="utf-8")
    assert list(read_rows(one)) == [(2, {"name": "渌口区"})]


def test_a_blank_file_has_no_rows(tmp_path):
    p = tmp_path / "blank.csv"
    p.write_text(",,\n\n", encoding="utf-8")
    assert list(read_rows(p)) == []  # the importers refuse it: "the file has no data rows"
    with pytest.raises(TableError):
        list(read_rows(tmp_path / "missing.csv"))
