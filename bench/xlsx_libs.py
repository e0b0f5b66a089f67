"""XLSX reading and writing: minqing's hand-written code against well-kept libraries.

    .venv/bin/python bench/xlsx_libs.py [--rows 100000]

A sheet of ``--rows`` rows × 12 columns in the register of a 12345 export (Chinese text,
numbers, dates as text, empty cells). Each way runs three times, alternating, on the
same file; the median counts.

- read: the hand-written reader minqing had (lxml over the sheet XML, merged cells
  filled; kept below as it was) against python-calamine as ``intake.importers`` now uses
  it (``to_python`` of the first sheet, merged-cell filling from ``merged_cell_ranges``),
  with openpyxl read-only beside;
- write: ``intake.exports._xlsx_stream`` (a streamed ZIP of inline strings: the first
  bytes leave before the first row is read) against xlsxwriter in constant-memory mode
  (a temporary file, then read back to stream it), each cell through ``safe_row``.

The rule (issue 12): keep the hand-written code only where the library is more than
1.5× slower.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from common import arg_int, row, save  # noqa: E402

ROWS = arg_int("rows", 100_000)
os.environ.setdefault("MINQING_DATA_DIR", tempfile.mkdtemp(prefix="mq-xlsx-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
import django  # noqa: E402

django.setup()

import zipfile  # noqa: E402

from openpyxl.utils.cell import range_boundaries  # noqa: E402

from minqing.intake.exports import _xlsx_stream  # noqa: E402
from minqing.intake.importers import TableError, _cell  # noqa: E402
from minqing.intake.importers import _xlsx_rows_fast as read_with_calamine  # noqa: E402
from minqing.tabular import safe_row  # noqa: E402

HEADERS = ["工单编号", "来电时间", "诉求内容", "所属区域", "地址", "问题分类", "承办单位", "办理时限",
           "工单状态", "回访结果", "评分", "备注"]
TEXTS = ["朱亭村三组停水两天了，老人孩子喝水都成问题", "路灯坏了一个多月没人修", "小区门口夜市噪音太大",
         "反映渌口镇某工地晚上施工扰民", "=HYPERLINK(\"x\")", "@想问下医保怎么转", "", "村口的路到处是坑"]


def data(n, seed=1):
    rnd = random.Random(seed)
    for i in range(n):
        yield [f"GD2026{i:08d}", f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} 09:{i % 60:02d}",
               rnd.choice(TEXTS), "渌口区", f"{rnd.choice(['朱亭镇', '南洲镇', '龙船镇'])}{rnd.randint(1, 40)}组",
               rnd.choice(["供水", "道路", "噪音", "医保"]), "渌口区水利局", "2026-12-31",
               rnd.choice(["已办结", "处理中"]), rnd.choice(["满意", "基本满意", ""]), rnd.randint(1, 10), ""]


def write_stream(path, n):
    with open(path, "wb") as f:
        for chunk in _xlsx_stream([("工单", HEADERS, data(n))]):
            f.write(chunk)


def write_xlsxwriter(path, n):
    import xlsxwriter

    tmp = path.with_suffix(".tmp.xlsx")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("工单")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, safe_row(HEADERS), bold)
    ws.freeze_panes(1, 0)
    for r, values in enumerate(data(n), 1):
        ws.write_row(r, 0, safe_row(values))
    wb.close()
    with open(tmp, "rb") as src, open(path, "wb") as dst:  # streamed out as the response would be
        while chunk := src.read(1 << 16):
            dst.write(chunk)
    tmp.unlink()


# ---- the hand-written reader, as minqing had it before it read through python-calamine ----

SS_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _col_index(ref):
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n


def _xlsx_rows_fast(path, sheet):
    """The sheet's rows straight from its XML with lxml (several times faster than
    openpyxl's read-only cells for large exports). Date cells come as Excel serial
    numbers, which ``parse_datetime`` reads; merged cells are filled as in ``_xlsx_rows``."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        wb = etree.fromstring(z.read("xl/workbook.xml"))
        sheets = wb.findall(f"{SS_NS}sheets/{SS_NS}sheet")
        chosen = next((e for e in sheets if e.get("name") == sheet), None) if sheet else (sheets[0] if sheets else None)
        if chosen is None:
            raise TableError(f"工作表不存在 / no sheet named {sheet}")
        rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels if r.get("Id") == chosen.get(REL_ID))
        sheet_path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            with z.open("xl/sharedStrings.xml") as f:
                for _, si in etree.iterparse(f, tag=f"{SS_NS}si"):
                    shared.append("".join(t.text or "" for t in si.iter(f"{SS_NS}t")))
                    si.clear()
        merges = []
        with z.open(sheet_path) as f:
            for _, el in etree.iterparse(f, tag=f"{SS_NS}mergeCell"):
                merges.append(range_boundaries(el.get("ref")))
        fill = {}
        for min_col, min_row, max_col, max_row in merges:
            for r in range(min_row, max_row + 1):
                for c in range(min_col, max_col + 1):
                    if (r, c) != (min_row, min_col):
                        fill[(r, c)] = (min_row, min_col)
        anchors = set(fill.values())
        fill_width = {}
        for r, c in fill:
            fill_width[r] = max(fill_width.get(r, 0), c)
        anchor_values = {}
        expected = 0
        v_tag, is_tag, t_tag = f"{SS_NS}v", f"{SS_NS}is", f"{SS_NS}t"
        with z.open(sheet_path) as f:
            for _, row in etree.iterparse(f, tag=f"{SS_NS}row"):
                number = int(row.get("r") or expected + 1)
                while expected + 1 < number:  # rows the file leaves out are empty rows
                    expected += 1
                    yield expected, []
                expected = number
                values = []
                for i, c in enumerate(row.iter(f"{SS_NS}c"), 1):
                    ref = c.get("r")
                    col = _col_index(ref) if ref else i
                    while len(values) < col - 1:
                        values.append("")
                    t = c.get("t")
                    if t == "inlineStr":
                        is_ = c.find(is_tag)
                        value = "".join(x.text or "" for x in is_.iter(t_tag)) if is_ is not None else ""
                    else:
                        v = c.findtext(v_tag)
                        if v is None:
                            value = ""
                        elif t == "s":
                            value = shared[int(v)]
                        elif t in ("str", "e"):
                            value = v
                        elif t == "b":
                            value = "TRUE" if v == "1" else "FALSE"
                        else:
                            num = float(v)
                            value = int(num) if num.is_integer() and abs(num) < 1e15 else num
                    values.append(_cell(value))
                if fill:
                    for c in range(1, len(values) + 1):
                        if (number, c) in anchors:
                            anchor_values[(number, c)] = values[c - 1]
                    width = max(len(values), fill_width.get(number, 0))
                    while len(values) < width:
                        values.append("")
                    for c in range(1, width + 1):
                        src = fill.get((number, c))
                        if src is not None and values[c - 1] == "":
                            values[c - 1] = anchor_values.get(src, "")
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                yield number, values


def read_hand(path):
    return sum(1 for _ in _xlsx_rows_fast(path, None))


def read_calamine(path):
    return sum(1 for _ in read_with_calamine(path, None))


def read_openpyxl(path):
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return n


def median_times(ways, repeat=3):
    times = {name: [] for name in ways}
    for _ in range(repeat):
        for name, fn in ways.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main():
    out = Path(tempfile.mkdtemp(prefix="mq-xlsx-"))
    a, b = out / "stream.xlsx", out / "xlsxwriter.xlsx"
    w = median_times({"stream": lambda: write_stream(a, ROWS), "xlsxwriter": lambda: write_xlsxwriter(b, ROWS)})
    assert read_hand(a) == read_hand(b) == ROWS + 1
    assert [v for _, v in _xlsx_rows_fast(a, None)][:50] == [v for _, v in read_with_calamine(a, None)][:50]
    r = median_times({"hand": lambda: read_hand(a), "calamine": lambda: read_calamine(a),
                      "openpyxl": lambda: read_openpyxl(a)})
    print(f"write {ROWS:,} rows: hand-written stream {w['stream']:.2f} s, xlsxwriter constant-memory "
          f"{w['xlsxwriter']:.2f} s (library / hand = {w['xlsxwriter'] / w['stream']:.2f})")
    print(f"read  {ROWS:,} rows: hand-written lxml {r['hand']:.2f} s, python-calamine {r['calamine']:.2f} s "
          f"(library / hand = {r['calamine'] / r['hand']:.2f}), openpyxl read-only {r['openpyxl']:.2f} s")
    save("xlsx_libs", [
        row("xlsx", "-", f"read {ROWS:,} rows, python-calamine", r["calamine"], "s", r["hand"],
            "hand-written lxml reader", higher_is_better=False),
        row("xlsx", "-", f"write {ROWS:,} rows, xlsxwriter constant-memory", w["xlsxwriter"], "s", w["stream"],
            "hand-written streamed writer", higher_is_better=False),
    ])


if __name__ == "__main__":
    main()
