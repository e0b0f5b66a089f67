"""100,000 subjects imported from CSV (and again as updates) in under 60 seconds (issue 4).

    .venv/bin/python bench/visits_import.py [--rows 100000] [--xlsx]

Runs on a fresh SQLite database in a temporary data directory (or the database
MINQING_DATABASE_URL names, if set): migrates, builds a county with 30 villages
and their grids, writes a CSV (90 % households with household numbers and tags,
10 % enterprises with valid credit codes), and times ``import_subjects`` — first
as new subjects, then the same file again (every row matched and updated).
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--xlsx", action="store_true", help="also time the same rows from an XLSX file")
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mq-import-bench-"))
    os.environ.setdefault("MINQING_DATA_DIR", str(tmp))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    from minqing.regions.models import Region
    from minqing.visits.creditcode import make
    from minqing.visits.importers import import_subjects
    from minqing.visits.models import Subject, SubjectTag

    prov = Region.objects.create(code="439900", name="省", level="province")
    county = Region.objects.create(code="439901", name="县", level="county", parent=prov)
    codes = []
    for t in range(3):
        town = Region.objects.create(code=f"439901{t:03d}", name=f"镇{t}", level="township", parent=county)
        for v in range(10):
            village = Region.objects.create(code=f"{town.code}{v:03d}", name=f"村{t}{v}", level="village",
                                            parent=town)
            codes.append(village.code)
            for g in range(3):
                codes.append(Region.objects.create(code=f"{village.code}-G{g}", name=f"网格{g}", level="grid",
                                                   parent=village).code)
    path = tmp / "subjects.csv"
    tags = ["低保户", "建档立卡户", "独居老人", "", "", "", "", "", "", ""]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["external_id", "kind", "name", "region_code", "tags", "credit_code", "address", "phone",
                    "household_no"])
        for i in range(a.rows):
            region = codes[i % len(codes)]
            if i % 10 == 9:
                w.writerow([f"E{i:07d}", "enterprise", f"企业{i}", region, "列统企业" if i % 20 == 9 else "",
                            make(f"91439901{i:09d}"), f"工业园{i}号", "0731-2888888", ""])
            else:
                w.writerow([f"H{i:07d}", "household", f"户主{i}", region, tags[i % 10], "", f"{i % 40}组{i}号",
                            f"138{i:08d}", f"HN{i:08d}"])
    print(f"{a.rows} rows, {path.stat().st_size / 1e6:.1f} MB CSV, database {django.db.connection.vendor}", flush=True)
    t = time.time()
    r = import_subjects(path)
    first = time.time() - t
    print(f"import (new):     {first:6.1f} s  {r}", flush=True)
    t = time.time()
    r = import_subjects(path)
    second = time.time() - t
    print(f"import (updates): {second:6.1f} s  {r}", flush=True)
    print(f"subjects {Subject.objects.count()}, tags {SubjectTag.objects.count()}", flush=True)
    if a.xlsx:
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet()
        with path.open(encoding="utf-8") as f:
            for row in csv.reader(f):
                ws.append(row)
        xpath = tmp / "subjects.xlsx"
        wb.save(xpath)
        t = time.time()
        r = import_subjects(xpath)
        print(f"import (xlsx, updates): {time.time() - t:6.1f} s  {r}", flush=True)
    ok = first < 60 and second < 60
    print("PASS: under 60 s" if ok else "FAIL: over 60 s", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
