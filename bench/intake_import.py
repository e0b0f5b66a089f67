"""100,000 hotline (12345) work orders imported from CSV and XLSX in under 60 s (issue 6).

    .venv/bin/python bench/intake_import.py [--rows 100000] [--no-xlsx] [--actions-rows 2000] [--db sqlite|postgres]

A fresh SQLite database in bench/out/data-intake_import-sqlite/: a county with 10
townships × 10 villages and 17 departments; a 12345 export with Chinese headers,
a title row, dates in three formats and a realistic state mix (registered,
assigned, in progress, handled, closed with a satisfied or unsatisfied visit,
closed anonymously, invalid). Times, each on an empty case table:

- the CSV import (bulk replay engine: the fields and events the actions layer
  would write, inserted in batches),
- the same import again (every row found by its 工单编号: nothing duplicated),
- the XLSX import of the same rows,
- the actions-layer replay of ``--actions-rows`` rows, extrapolated to the full
  file, to show why the bulk engine exists.
"""

import csv
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from common import OUT, arg_db, arg_int, row, save, setup_django  # noqa: E402

HEADERS = ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求内容", "所属区域", "承办单位",
           "办理状态", "办结时间", "办理结果", "回访满意度"]
KINDS = ["投诉", "求助", "咨询", "建议", "举报"]
TEXTS = ["{v}三组停水两天了", "{v}路面坑洼积水", "{v}烧烤店噪音扰民到凌晨", "{v}路灯坏了一大半",
         "{v}垃圾站几天没清运", "{v}灌溉水渠年久失修", "{v}老旧小区改造迟迟不动工", "{v}拖欠农民工工资"]
DEPTS = ["水务局", "交通运输局", "住建局", "消防救援大队", "教育局", "卫健局", "人社局", "生态环境分局", "公安分局",
         "市场监管局", "农业农村局", "民政局", "自然资源局", "城管局", "文旅局", "信访局", "应急管理局"]
STATES = [("已受理", 4), ("已派单", 5), ("办理中", 12), ("已办结", 8), ("已办结/满意", 55), ("已办结/不满意", 6),
          ("已归档", 5), ("无效工单", 5)]


def fmt(when, style):
    if style == 0:
        return when.strftime("%Y-%m-%d %H:%M:%S")
    if style == 1:
        return f"{when.year}/{when.month}/{when.day} {when.hour}:{when.minute:02d}"
    return f"{when.year}年{when.month}月{when.day}日 {when.hour}时{when.minute}分"


def build_world():
    from minqing.regions.models import Department, Region

    prov = Region.objects.create(code="439900", name="某省", level="province")
    city = Region.objects.create(code="439901", name="某市", level="city", parent=prov)
    county = Region.objects.create(code="43990101", name="某县", level="county", parent=city)
    villages = []
    for t in range(10):
        town = Region.objects.create(code=f"{county.code}{t:03d}", name=f"第{t + 1}镇", level="township",
                                     parent=county)
        for v in range(10):
            villages.append(Region.objects.create(code=f"{town.code}{v:03d}", name=f"第{t + 1}镇{v + 1}村",
                                                  level="village", parent=town))
    for i, name in enumerate(DEPTS):
        Department.objects.create(code=f"d{i}", name=f"某县{name}", region=county)
    return villages


def rows(n, villages, seed=7):
    rnd = random.Random(seed)
    start = dt.datetime(2024, 1, 2, 8, 0)
    names = [s for s, w in STATES for _ in range(w)]
    for i in range(n):
        when = start + dt.timedelta(minutes=rnd.randrange(0, 300 * 24 * 60))
        village = rnd.choice(villages)
        state = rnd.choice(names)
        base, _, rating = state.partition("/")
        anon = base == "已归档"
        handled = when + dt.timedelta(days=rnd.randrange(1, 20), hours=rnd.randrange(0, 8))
        yield [
            f"ZZ{2024000000 + i}", fmt(when, i % 3), "" if anon else "张先生", "" if anon else f"138{i:08d}",
            rnd.choice(KINDS), rnd.choice(TEXTS).format(v=village.name), village.name if i % 2 else
            f"某县{village.parent.name}{village.name}" if False else village.code,
            "" if base in ("已受理", "无效工单") else f"某县{rnd.choice(DEPTS)}", base,
            fmt(handled, (i + 1) % 3) if base in ("已办结", "已归档") else "",
            "已处理并答复来电人" if base in ("已办结", "已归档") else "", rating,
        ]


def write_csv(path, data):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["某县12345政务服务便民热线工单导出"])
        w.writerow(HEADERS)
        w.writerows(data)


def write_xlsx(path, data):
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("工单")
    ws.append(["某县12345政务服务便民热线工单导出"])
    ws.append(HEADERS)
    for r in data:
        ws.append(r)
    wb.save(path)


def empty_cases():
    from django.db import connection

    from minqing.cases.models import Case, Effect, Event, ReturnVisit
    from minqing.people.models import Notification

    for model in (Notification, Effect, ReturnVisit, Event, Case):
        model.objects.all().delete()
    with connection.cursor() as c:
        c.execute("VACUUM") if connection.vendor == "sqlite" else None


def main():
    n = arg_int("rows", 100_000)
    actions_rows = arg_int("actions-rows", 2000)
    db = arg_db()
    setup_django(db, "intake_import")
    from minqing.cases.models import Case, Event
    from minqing.insights import figures
    from minqing.intake.importers import import_cases

    villages = build_world()
    data = list(rows(n, villages))
    csv_path, xlsx_path = OUT / "intake_import.csv", OUT / "intake_import.xlsx"
    write_csv(csv_path, data)
    results = []

    t, cpu = time.perf_counter(), time.process_time()
    out = import_cases(csv_path)
    t_csv, cpu_csv = time.perf_counter() - t, time.process_time() - cpu
    n_cases, n_events = Case.objects.count(), Event.objects.count()
    assert out["created"] == n == n_cases, out
    counts = figures.compute()["counts"]
    print(f"csv: {out} in {t_csv:.1f}s; {n_events} events; figures {counts}")
    results.append(row("intake", db, f"import {n:,} rows, CSV (bulk replay)", t_csv, "s", target=60,
                       higher_is_better=False, note=f"{n_events} events; load {os.getloadavg()[0]:.1f}"))
    results.append(row("intake", db, "  … CPU time of that import", cpu_csv, "s", target=60,
                       higher_is_better=False, note="process CPU seconds: the wall time without other load"))

    t, cpu = time.perf_counter(), time.process_time()
    out = import_cases(csv_path)
    t_again, cpu_again = time.perf_counter() - t, time.process_time() - cpu
    assert out["created"] == 0 and Case.objects.count() == n_cases and Event.objects.count() == n_events, out
    results.append(row("intake", db, f"re-import {n:,} rows (no duplicates)", t_again, "s", target=60,
                       higher_is_better=False, note=f"CPU {cpu_again:.1f}s"))

    if "--no-xlsx" not in sys.argv:
        write_xlsx(xlsx_path, data)
        empty_cases()
        t, cpu = time.perf_counter(), time.process_time()
        out = import_cases(xlsx_path)
        t_xlsx, cpu_xlsx = time.perf_counter() - t, time.process_time() - cpu
        assert out["created"] == n, out
        results.append(row("intake", db, f"import {n:,} rows, XLSX (bulk replay)", t_xlsx, "s", target=60,
                           higher_is_better=False, note=f"CPU {cpu_xlsx:.1f}s"))

    empty_cases()
    small = OUT / "intake_import_small.csv"
    write_csv(small, data[:actions_rows])
    t = time.perf_counter()
    out = import_cases(small, engine="actions")
    t_actions = time.perf_counter() - t
    assert out["created"] == actions_rows, out
    results.append(row("intake", db, f"actions-layer replay, extrapolated to {n:,}", t_actions * n / actions_rows,
                       "s", note=f"measured {t_actions:.1f}s for {actions_rows} rows"))
    save(f"intake_import-{db}" if db != "sqlite" else "intake_import", results)


if __name__ == "__main__":
    main()
