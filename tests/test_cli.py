"""The `minqing` command: imports (CSV and XLSX, bad rows refused with a
row-numbered report and nothing imported), `user add --token`, `stats --json`,
and `sweep` (levels raised, one overdue event per newly red case, lead
handlers and supervisors notified)."""

import datetime as dt
import io
import json
import os
import subprocess
import sys

import pytest
from casebuild import register
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from minqing.cases import actions
from minqing.cases.models import Case, Event
from minqing.people.models import Notification
from minqing.regions.models import Department, Region
from minqing.supervision.alerts import alert_level
from minqing.supervision.models import AlertMark


def run(capsys, *argv):
    """Run `minqing ARGV` in this process (as `minqing` does, minus closing the
    test's database connection); return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*argv, stdout=out, stderr=err)
        status = 0
    except CommandError as e:
        err.write(f"CommandError: {e}\n")
        status = 1
    return status, out.getvalue(), err.getvalue()


def write_csv(path, header, rows):
    path.write_text("\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n", encoding="utf-8")
    return str(path)


def write_xlsx(path, header, rows):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return str(path)


REGION_HEADER = ["code", "name", "level", "parent_code"]
GOOD_REGIONS = [
    ["440000", "广东省", "province", ""],
    ["440300", "深圳市", "city", "440000"],
    ["440305", "南山区", "county", "440300"],
    ["440305001", "南头街道", "township", "440305"],
    ["440305001001", "南头城社区", "village", "440305001"],
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_regions(db, capsys, tmp_path, fmt):
    writer = write_csv if fmt == "csv" else write_xlsx
    # children before parents in the file: the import orders them itself
    path = writer(tmp_path / f"regions.{fmt}", REGION_HEADER, list(reversed(GOOD_REGIONS)))
    status, out, err = run(capsys, "import", "regions", path)
    assert status == 0, err
    assert "created=5" in out
    village = Region.objects.get(code="440305001001")
    assert village.path == "/440000/440300/440305/440305001/440305001001/" and village.level == "village"
    # importing again updates, creates nothing
    status, out, _ = run(capsys, "import", "regions", path)
    assert status == 0 and "created=0" in out and "updated=5" in out


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_regions_refuses_bad_rows_and_imports_nothing(db, capsys, tmp_path, fmt):
    writer = write_csv if fmt == "csv" else write_xlsx
    rows = GOOD_REGIONS + [
        ["440306", "", "county", "440300"],            # row 7: no name
        ["440307", "宝安区", "district", "440300"],     # row 8: bad level
        ["440305", "南山区重复", "county", "440300"],   # row 9: duplicate of row 4
        ["440308", "龙华区", "county", "999999"],       # row 10: unknown parent
        ["440309", "坪山区", "city", "440305"],         # row 11: parent not higher
    ]
    path = writer(tmp_path / f"regions.{fmt}", REGION_HEADER, rows)
    status, out, err = run(capsys, "import", "regions", path)
    assert status != 0
    assert "nothing was imported" in err
    for row, column in ((7, "name"), (8, "level"), (9, "code"), (10, "parent_code"), (11, "parent_code")):
        assert f"row {row}: {column}" in err, (row, column, err)
    assert "row 2:" not in err
    assert not Region.objects.filter(code__startswith="44").exists()


def test_import_refuses_a_file_without_the_columns(db, capsys, tmp_path):
    path = write_csv(tmp_path / "r.csv", ["code", "title"], [["1", "x"]])
    status, _, err = run(capsys, "import", "regions", path)
    assert status != 0 and "missing column" in err and "level" in err
    status, _, err = run(capsys, "import", "regions", str(tmp_path / "none.csv"))
    assert status != 0 and "not found" in err


DEPT_HEADER = ["code", "name", "region_code", "categories"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_departments(world, capsys, tmp_path, fmt):
    writer = write_csv if fmt == "csv" else write_xlsx
    good = [["lk-health", "渌口区卫健局", "430212", "health;social_security"],
            ["zt-water", "朱亭镇水利站", "430212101", "water_supply"]]
    path = writer(tmp_path / f"d.{fmt}", DEPT_HEADER, good)
    status, out, err = run(capsys, "import", "departments", path)
    assert status == 0, err
    assert "created=2" in out
    d = Department.objects.get(code="lk-health")
    assert d.region.code == "430212" and set(d.categories.values_list("code", flat=True)) == {"health",
                                                                                            "social_security"}
    bad = good + [["x-1", "某局", "000000", "health"], ["x-2", "某站", "430212", "health;astrology"],
                  ["", "无编码", "430212", ""]]
    before = Department.objects.count()
    path = writer(tmp_path / f"bad.{fmt}", DEPT_HEADER, [["new-1", "新部门", "430212", "health"]] + bad)
    status, _, err = run(capsys, "import", "departments", path)
    assert status != 0
    assert "row 5: region_code" in err and "row 6: categories" in err and "astrology" in err and "row 7: code" in err
    assert Department.objects.count() == before and not Department.objects.filter(code="new-1").exists()


def test_user_add_with_token(world, capsys, client):
    status, out, err = run(capsys, "user", "add", "zhang", "--role", "handler", "--department", "lk-water",
                           "--token")
    assert status == 0, err
    lines = out.strip().splitlines()
    token = lines[-1]
    assert token.startswith("mq_") and " " not in token and len(lines) >= 2
    r = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200 and r.json()["count"] == 0
    case = register(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water")
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}").json()["count"] == 1
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer mq_wrong").status_code == 401


@pytest.mark.parametrize("argv,message", [
    (["user", "add", "a", "--role", "handler"], "needs --department"),
    (["user", "add", "a", "--role", "dispatcher", "--region", "000"], "unknown region"),
    (["user", "add", "a", "--role", "dispatcher", "--department", "lk-water"], "--department is for handlers"),
    (["user", "add", "a", "--role", "king"], "invalid choice"),
])
def test_user_add_refuses_bad_arguments(world, capsys, argv, message):
    status, _, err = run(capsys, *argv)
    assert status != 0 and message in err


def test_stats_json(world, capsys):
    case = register(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water")
    register(world, region="430223100001")
    status, out, err = run(capsys, "stats", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert data["intake"] == 2 and data["counts"]["assigned"] == 1 and "satisfaction_rate" in data
    status, out, _ = run(capsys, "stats", "--json", "--region", "430223")
    assert json.loads(out)["intake"] == 1
    today = timezone.localdate().isoformat()
    status, out, _ = run(capsys, "stats", "--json", "--from", today, "--to", today)
    assert json.loads(out)["intake"] == 2
    status, out, _ = run(capsys, "stats")
    assert status == 0 and "受理量 intake" in out and "2" in out
    status, _, err = run(capsys, "stats", "--region", "nowhere")
    assert status != 0 and "--region" in err


def test_sweep_raises_levels_records_overdue_and_notifies(world, capsys):
    disp = world.actor("disp_zt")
    week_ago = timezone.now() - dt.timedelta(days=10)
    late = []
    for _ in range(2):
        c = register(world)
        actions.assign(disp, c, department="lk-water", deadline=(week_ago + dt.timedelta(days=2)).date(), at=week_ago)
        late.append(c.pk)
    due_today = register(world)
    actions.assign(disp, due_today, department="lk-roads", deadline=timezone.localdate())
    fresh = register(world)
    actions.assign(disp, fresh, department="lk-roads", deadline=timezone.localdate() + dt.timedelta(days=30))
    assert not AlertMark.objects.exists()
    Notification.objects.all().delete()

    status, out, err = run(capsys, "sweep")
    assert status == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["red"] == 2
    raised = dict(AlertMark.objects.values_list("case_id", "level"))
    assert [raised[p] for p in late] == ["red", "red"]
    assert fresh.pk not in raised
    today_is_workday = __import__("minqing.regions.workdays", fromlist=["x"]).is_workday(timezone.localdate())
    assert raised.get(due_today.pk) == "yellow" if today_is_workday else raised.get(due_today.pk) in ("yellow", None)
    # the sweep rewrites no case row: the colour shown is computed from the deadline
    assert set(Case.objects.filter(pk__in=late).values_list("alert_level", flat=True)) == {"green"}
    overdue = Event.objects.filter(action="overdue")
    assert sorted(overdue.values_list("case_id", flat=True)) == sorted(late)
    assert all(e.from_state == e.to_state == "assigned" for e in overdue)
    notified = set(Notification.objects.filter(kind="overdue").values_list("user__username", flat=True))
    assert notified == {"sup_lk"}
    assert "2" in Notification.objects.get(user__username="sup_lk", kind="overdue").message
    # the lead department's handler: one red notice per case, linked to it
    red = Notification.objects.filter(kind="red")
    assert sorted(red.values_list("case_id", flat=True)) == sorted(late)
    assert set(red.values_list("user__username", flat=True)) == {"water"}

    # a second sweep finds nothing newly red: no more events, no more notifications
    status, out, _ = run(capsys, "sweep")
    assert json.loads(out.strip().splitlines()[-1])["red"] == 0
    assert Event.objects.filter(action="overdue").count() == 2
    assert Notification.objects.filter(kind="overdue").count() == 1
    assert Notification.objects.filter(kind="red").count() == 2

    # an approved extension brings a red case back to green: shown live, nothing raised again
    actions.extend(world.actor("water"), late[0], deadline=timezone.localdate() + dt.timedelta(days=30), reason="延")
    actions.approve_extension(disp, late[0])
    run(capsys, "sweep")
    assert alert_level(Case.objects.get(pk=late[0]).deadline) == "green"
    assert Event.objects.filter(action="overdue").count() == 2
    # … and when the new deadline passes too, it is raised once more against that deadline
    later = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    status, out, _ = run(capsys, "sweep", "--date", later)
    # late[0] on its new deadline, the fresh case and the one due today; late[1] was raised already
    assert json.loads(out.strip().splitlines()[-1])["red"] == 3
    assert Event.objects.filter(action="overdue", case_id=late[0]).count() == 2


def test_sweep_as_of_a_date(world, capsys):
    c = register(world)
    actions.assign(world.actor("disp_zt"), c, department="lk-water", deadline=timezone.localdate() + dt.timedelta(days=60))
    later = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    status, out, _ = run(capsys, "sweep", "--date", later)
    assert status == 0 and json.loads(out.strip().splitlines()[-1])["red"] == 1
    status, _, err = run(capsys, "sweep", "--date", "someday")
    assert status != 0 and "YYYY-MM-DD" in err


def _database_url():
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_the_minqing_command_prints_a_working_token(tworld, live_server):
    """The real `minqing` executable against the test database."""
    exe = os.path.join(os.path.dirname(sys.executable), "minqing")
    env = {**os.environ, "MINQING_DATABASE_URL": _database_url()}
    proc = subprocess.run([exe, "user", "add", "li", "--role", "dispatcher", "--region", "430212101", "--token"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip().splitlines()[-1]
    assert token.startswith("mq_") and token == token.strip() and " " not in token
    import httpx

    register(tworld)
    r = httpx.get(live_server.url + "/api/v1/cases", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200 and r.json()["count"] == 1
    bad = subprocess.run([exe, "user", "add", "x", "--role", "handler"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert bad.returncode != 0 and "needs --department" in bad.stderr


def test_worker_runs_the_sweep_and_survives_a_failing_job(tworld, capsys, settings):
    """(transactional: the worker closes and reopens its connection between jobs)"""
    world = tworld
    settings.MINQING_WORKER_JOBS = [
        ("broken", 60, "minqing.supervision.worker._load"),  # called without its argument: raises
        ("sweep", 60, "minqing.supervision.sweep.run"),
    ]
    c = register(world)
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    actions.assign(world.actor("disp_zt"), c, department="lk-water",
                   deadline=(ten_days_ago + dt.timedelta(days=1)).date(), at=ten_days_ago)
    status, out, err = run(capsys, "worker", "--once")
    assert status == 0, err
    assert "sweep:" in out
    assert AlertMark.objects.filter(case_id=c.pk, level="red").count() == 1
    assert Event.objects.filter(case=c, action="overdue").count() == 1
