"""Imports behave the same on SQLite and PostgreSQL: a NUL character or a value longer
than its column is a row error (row, column, reason) found before the database sees it;
``--on-error skip`` leaves those rows out and imports the rest, ``refuse`` (the default)
imports nothing and exits 1; an empty file is refused by every import; no traceback.

Run on PostgreSQL with MINQING_DATABASE_URL=postgres://postgres@127.0.0.1:5432/minqing_sheets."""

import csv
import os
import subprocess
import sys

import pytest
from test_cli import _database_url, run, write_xlsx

from minqing.cases.models import Case
from minqing.regions.models import Department, Region
from minqing.tabular import NO_DATA_ROWS
from minqing.visits.models import Subject

LONG = "长" * 400


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


# kind -> (header, good rows, bad rows as (row, cells, column, reason word), what counts the imported)
KINDS = {
    "regions": (
        ["code", "name", "level", "parent_code"],
        [["430212101291", "新一村", "village", "430212101"], ["430212101292", "新二村", "village", "430212101"]],
        [(4, ["430212101293", "新\x00三村", "village", "430212101"], "name", "NUL"),
         (5, ["430212101294", "新" * 101, "village", "430212101"], "name", "longer than 100"),
         (6, ["4302121012" + "9" * 30, "新五村", "village", "430212101"], "code", "longer than 32")],
        lambda: Region.objects.filter(code__startswith="4302121012").exclude(code__startswith="430212101201").count(),
    ),
    "departments": (
        ["code", "name", "region_code", "categories"],
        [["t-health", "渌口区卫健局", "430212", "health"], ["t-water", "朱亭镇水利站", "430212101", "water_supply"]],
        [(4, ["t-x", "某\x00局", "430212", "health"], "name", "NUL"),
         (5, ["t-" + "y" * 70, "某局", "430212", "health"], "code", "longer than 64"),
         (6, ["t-z", "某站", "430212", "health\x00"], "categories", "NUL")],
        lambda: Department.objects.filter(code__startswith="t-").count(),
    ),
    "subjects": (
        ["external_id", "kind", "name", "region_code", "tags", "credit_code", "address", "phone", "contact_name"],
        [["S1", "household", "张一", "430212101201", "低保户", "", "三组1号", "", ""],
         ["S2", "household", "张二", "430212101201", "", "", "三组2号", "", ""]],
        [(4, ["S3", "household", "张\x00三", "430212101201", "", "", "", "", ""], "name", "NUL"),
         (5, ["S4", "household", "张四", "430212101201", "", "", LONG, "", ""], "address", "longer than 300"),
         (6, ["S5", "household", "张五", "430212101201", "", "", "", "", "李" * 101], "contact_name",
          "longer than 100"),
         (7, ["S6", "household", "张六", "430212101201", "孤\x00寡", "", "", "", ""], "tags", "NUL")],
        lambda: Subject.objects.filter(external_id__startswith="S").count(),
    ),
    "cases": (
        ["工单编号", "来电时间", "诉求内容", "来电人", "事发地址"],
        [["WO-1", "2026-11-02 09:00", "朱亭村三组停水两天了", "张三", "三组"],
         ["WO-2", "2026-11-02 10:00", "龙船村路灯不亮", "李四", ""]],
        [(4, ["WO-3", "2026-11-02 11:00", "停水\x00了", "王五", ""], "诉求内容", "NUL"),
         (5, ["WO-4\x00", "2026-11-02 11:00", "停水了", "王五", ""], "工单编号", "NUL"),
         (6, ["W" * 101, "2026-11-02 11:00", "停水了", "王五", ""], "工单编号", "longer than 100"),
         (7, ["WO-5", "2026-11-02 11:00", "停水了", "王" * 101, ""], "来电人", "longer than 100"),
         (8, ["WO-6", "2026-11-02 11:00", "停水了", "", LONG], "事发地址", "longer than 300"),
         (9, ["WO-7", "2026-11-02 11:00", "停" * 5001, "", ""], "诉求内容", "longer than 5000")],
        lambda: Case.objects.filter(external_id__startswith="WO-").count(),
    ),
}


def _file(tmp_path, kind, fmt, rows):
    header = KINDS[kind][0]
    if fmt == "xlsx":  # a workbook cannot hold NUL (XML): its over-long rows only
        rows = [r for r in rows if not any("\x00" in c for c in r)]
        return write_xlsx(tmp_path / f"{kind}.xlsx", header, rows)
    return write_csv(tmp_path / f"{kind}.csv", header, rows)


def _bad(kind, fmt):
    """The bad rows a file of this format can hold, numbered as they come after the good rows."""
    bad = [b for b in KINDS[kind][2] if fmt == "csv" or not any("\x00" in c for c in b[1])]
    first = 2 + len(KINDS[kind][1])
    return [(first + i, cells, column, reason) for i, (_, cells, column, reason) in enumerate(bad)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_refuse_lists_every_bad_row_and_imports_nothing(world, capsys, tmp_path, kind, fmt):
    header, good, _, count = KINDS[kind]
    bad = _bad(kind, fmt)
    path = _file(tmp_path, kind, fmt, good + [b[1] for b in bad])
    before = count()
    status, out, err = run(capsys, "import", kind, path)
    assert status == 1, (out, err)
    assert "nothing was imported" in err and "Traceback" not in err
    for row, _cells, column, reason in bad:
        line = next((ln for ln in err.splitlines() if f"row {row}: {column}:" in ln), None)
        assert line is not None, (row, column, err)
        assert reason in line, (reason, line)
    assert "row 2:" not in err and "row 3:" not in err
    assert count() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_skip_imports_the_good_rows_and_lists_the_bad(world, capsys, tmp_path, kind, fmt):
    header, good, _, count = KINDS[kind]
    bad = _bad(kind, fmt)
    # the bad rows first: a good row after them still comes in
    rows = [b[1] for b in bad] + good
    path = _file(tmp_path, kind, fmt, rows)
    before = count()
    status, out, err = run(capsys, "import", kind, path, "--on-error", "skip")
    assert status == 0, err
    assert count() == before + len(good)
    assert f"skipped={len(bad)}" in out
    assert "rows not imported" in err
    for i, (_row, _cells, column, reason) in enumerate(bad):
        assert f"row {i + 2}: {column}:" in err and reason in err


def test_skip_leaves_out_the_regions_below_a_bad_row(world, capsys, tmp_path):
    header = KINDS["regions"][0]
    rows = [["430212101295", "坏\x00村", "village", "430212101"],      # row 2: bad
            ["430212101295001", "一网格", "grid", "430212101295"],     # row 3: its parent is bad
            ["430212101296", "好村", "village", "430212101"],          # row 4
            ["430212101296001", "二网格", "grid", "430212101296"]]     # row 5
    path = write_csv(tmp_path / "r.csv", header, rows)
    status, out, err = run(capsys, "import", "regions", path, "--on-error", "skip")
    assert status == 0, err
    assert "row 2: name:" in err and "row 3: parent_code:" in err and "row 2 is bad" in err
    assert set(Region.objects.filter(code__startswith="4302121012").exclude(code__startswith="430212101201")
               .values_list("code", flat=True)) == {"430212101296", "430212101296001"}
    assert Region.objects.get(code="430212101296001").path.endswith("/430212101296/430212101296001/")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_empty_file_is_refused(world, capsys, tmp_path, kind, fmt):
    header_only = _file(tmp_path, kind, fmt, [])
    status, out, err = run(capsys, "import", kind, header_only)
    assert status == 1 and NO_DATA_ROWS in err, err
    for skip in ([], ["--on-error", "skip"]):
        empty = tmp_path / f"empty.{fmt}"
        if fmt == "csv":
            empty.write_bytes(b"")
        else:
            write_xlsx(empty, [], [])
        status, out, err = run(capsys, "import", kind, str(empty), *skip)
        assert status == 1 and NO_DATA_ROWS in err, (kind, err)


def test_a_huge_csv_cell_is_a_row_error_not_a_crash(world, capsys, tmp_path):
    """A cell beyond the csv module's default field limit (128 KiB)."""
    header, good, _, count = KINDS["cases"]
    path = write_csv(tmp_path / "c.csv", header, good + [["WO-9", "2026-11-02 11:00", "停" * 200_000, "", ""]])
    status, out, err = run(capsys, "import", "cases", path, "--on-error", "skip")
    assert status == 0, err
    assert "row 4: 诉求内容:" in err and "longer than 5000" in err and count() == 2


def test_the_real_command_exits_1_without_a_traceback(tworld, tmp_path):
    """`python -m minqing import …` in its own process, against the test database."""
    env = {**os.environ, "MINQING_DATABASE_URL": _database_url()}
    header, good, bad, _ = KINDS["regions"]
    runs = [("nul", "regions", write_csv(tmp_path / "nul.csv", header, good + [bad[0][1]]))]
    runs += [("empty", kind, write_csv(tmp_path / f"empty-{kind}.csv", KINDS[kind][0], [])) for kind in KINDS]
    for name, kind, path in runs:
        proc = subprocess.run([sys.executable, "-m", "minqing", "import", kind, path], capture_output=True,
                              text=True, env=env, timeout=120)
        assert proc.returncode == 1, (name, kind, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and "nothing was imported" in proc.stderr
        assert ("NUL" if name == "nul" else NO_DATA_ROWS) in proc.stderr
