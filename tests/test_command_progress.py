"""Issue 13 part 4: the long commands show their progress through ``minqing.progress`` — one
summary line (rows done, time, rate) when the output is not a terminal, as here."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from minqing.cases.models import Case
from minqing.insights import indexing


def lines_like(text, label):
    return [line for line in text.splitlines() if line.startswith(label + ": ")]


def test_import_prints_one_summary_line_with_the_rows(world, tmp_path):
    regions = tmp_path / "r.csv"
    regions.write_text("code,name,level,parent_code\n430212101301,新村,village,430212101\n"
                       "430212101302,旧村,village,430212101\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import", "regions", str(regions), stdout=out)
    summary = lines_like(out.getvalue(), "导入 / import regions")
    assert len(summary) == 1 and summary[0].startswith("导入 / import regions: 2/2 in ")
    assert "created=2" in out.getvalue()
    subjects = tmp_path / "s.csv"
    subjects.write_text("external_id,kind,name,region_code,tags,credit_code,address,phone\n"
                        + "".join(f"H{i},household,户{i},430212101201,,,,\n" for i in range(30)), encoding="utf-8")
    out = io.StringIO()
    call_command("import", "subjects", str(subjects), stdout=out)
    assert [s.split(" in ")[0] for s in lines_like(out.getvalue(), "导入 / import subjects")] == [
        "导入 / import subjects: 30/30"]


def test_a_refused_import_prints_no_summary(world, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code\n430212101301,,village,430212101\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "regions", str(bad), stdout=out, stderr=err)
    assert "导入 / import regions" not in out.getvalue()


def test_index_prints_one_summary_line_and_json_stays_json(world):
    from casebuild import register

    for _ in range(3):
        register(world)
    out = io.StringIO()
    call_command("insights", "index", "--all", stdout=out)
    summary = lines_like(out.getvalue(), "索引 / index")
    assert len(summary) == 1 and summary[0].startswith(f"索引 / index: {Case.objects.count()}/")
    out, err = io.StringIO(), io.StringIO()
    call_command("insights", "index", "--all", "--json", stdout=out, stderr=err)
    import json

    assert json.loads(out.getvalue()) == {"indexed": Case.objects.count()}
    assert lines_like(err.getvalue(), "索引 / index")


def test_catch_up_reports_every_batch(world):
    from casebuild import register

    for _ in range(3):
        register(world)
    seen = []
    n = indexing.reindex_all(progress=lambda done, total=None: seen.append((done, total)))
    assert n == 3 and seen[0][0] == 0 and seen[-1] == (3, 3)


def test_demo_build_counts_the_cases_it_plays(db):
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "12", stdout=out)
    summary = lines_like(out.getvalue(), "演示案件 / demo cases")
    assert len(summary) == 1, out.getvalue()
    done = summary[0].split(": ")[1].split(" in ")[0]
    played, total = (int(x.replace(",", "")) for x in done.split("/"))
    assert played == total and 0 < total <= 12


def test_the_real_command_with_a_pipe_prints_one_line(tmp_path):
    """``python -m minqing init`` with its output piped (no terminal): no bar, one summary line."""
    env = {**os.environ, "MINQING_DATA_DIR": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("MINQING_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "minqing", "migrate", "-v0"], env=env, check=True, capture_output=True,
                   timeout=300)
    proc = subprocess.run([sys.executable, "-m", "minqing", "init", "--region", "430212", "--no-villages"],
                          check=False, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = lines_like(proc.stdout, "建立辖区 / init")
    assert len(summary) == 1 and summary[0].startswith("建立辖区 / init: 36/36 in ")
    assert "\x1b[" not in proc.stdout and "━" not in proc.stdout  # no bar, no terminal codes


def test_stats_prints_one_summary_line_and_its_json_stays_clean(world):
    import json

    out = io.StringIO()
    call_command("stats", "--ranking", stdout=out)
    summary = lines_like(out.getvalue(), "统计 / stats")
    assert len(summary) == 1 and summary[0].startswith("统计 / stats: 2/2 in ")
    out, err = io.StringIO(), io.StringIO()
    call_command("stats", "--json", stdout=out, stderr=err)
    assert "intake" in json.loads(out.getvalue())
    assert lines_like(err.getvalue(), "统计 / stats")[0].startswith("统计 / stats: 1/1 in ")
