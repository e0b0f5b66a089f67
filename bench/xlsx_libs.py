"""XLSX reading and writing: minqing's hand-written code against well-kept libraries.

    .venv/bin/python bench/xlsx_libs.py [--rows 100000]

A sheet of ``--rows`` rows × 12 columns in the register of a 12345 export (Chinese text,
numbers, dates as text, empty cells). Each way runs three times, alternating, on the
same file; the median counts.

- read: ``intake.importers._xlsx_rows_fast`` (lxml over the sheet XML, merged cells
  filled) against python-calamine (Rust; ``to_python`` of the first sheet, plus the
  same merged-cell filling from ``merged_cell_ranges``), with openpyxl read-only beside;
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

from minqing.intake.exports import _xlsx_stream  # noqa: E402
from minqing.intake.importers import _xlsx_rows_fast  # noqa: E402
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


def read_hand(path):
    return sum(1 for _ in _xlsx_rows_fast(path, None))


def read_calamine(path):
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    merged = sheet.merged_cell_ranges or []
    for (r0, c0), (r1, c1) in merged:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                rows[r][c] = rows[r0][c0]
    return len(rows)


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
