"""Shared helpers of the benchmark scripts: an isolated database per bench,
timing, and results written to bench/out/ as JSON (bench/report.py prints them).

Nothing here touches the project's own ./data or the test databases: SQLite
benches live in bench/out/data-*/, PostgreSQL benches in databases named
minqing_bench* created by (and owned by) the minqing role.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)


def arg_db(argv=None):
    """--db sqlite|postgres from the command line (default sqlite)."""
    argv = sys.argv[1:] if argv is None else argv
    if "--db" in argv:
        db = argv[argv.index("--db") + 1]
        if db not in ("sqlite", "postgres"):
            raise SystemExit("--db must be sqlite or postgres")
        return db
    return "sqlite"


def arg_int(name, default, argv=None):
    argv = sys.argv[1:] if argv is None else argv
    flag = f"--{name}"
    return int(argv[argv.index(flag) + 1]) if flag in argv else default


def postgres_url(dbname):
    """The URL of database ``dbname`` on the server scripts/postgres.sh provides,
    creating the database as the minqing role if it does not exist."""
    base = subprocess.run(
        [str(ROOT / "scripts" / "postgres.sh")], check=True, capture_output=True, text=True
    ).stdout.strip().splitlines()[-1]
    prefix = base.rsplit("/", 1)[0]
    import psycopg

    with psycopg.connect(prefix + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')
    return f"{prefix}/{dbname}"


def drop_postgres(dbname):
    assert dbname.startswith("minqing_bench"), dbname
    base = subprocess.run(
        [str(ROOT / "scripts" / "postgres.sh")], check=True, capture_output=True, text=True
    ).stdout.strip().splitlines()[-1]
    import psycopg

    with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def environment(db, name, fresh):
    """Environment variables for a bench database called ``name`` (data dir and URL)."""
    data_dir = OUT / f"data-{name}-{db}"
    env = {"MINQING_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "minqing.settings"}
    if db == "sqlite":
        if fresh and data_dir.exists():
            shutil.rmtree(data_dir)
    else:
        dbname = f"minqing_bench_{name}" if name != "1m" else "minqing_bench"
        if fresh:
            drop_postgres(dbname)
        env["MINQING_DATABASE_URL"] = postgres_url(dbname)
    data_dir.mkdir(parents=True, exist_ok=True)
    return env


def setup_django(db, name, fresh=True, migrate=True):
    env = environment(db, name, fresh)
    os.environ.update(env)
    os.environ.pop("MINQING_DATABASE_URL", None) if db == "sqlite" else None
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    return env


def reset_database(db, name):
    """Empty the bench database ``name`` (already configured in this process) and migrate it again."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    if db == "sqlite":
        path = Path(connections["default"].settings_dict["NAME"])
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
    else:
        dbname = connections["default"].settings_dict["NAME"]
        drop_postgres(dbname)
        postgres_url(dbname)
    call_command("migrate", interactive=False, verbosity=0)


def township_world(username):
    """Province → 株洲市 → 渌口区 → 朱亭镇 → 朱亭村 and a dispatcher of the township (after
    setup_django): (village, township, user)."""
    from django.contrib.auth import get_user_model

    from minqing.people.models import Membership
    from minqing.regions.models import Region

    p = Region.objects.create(code="430000000000", name="湖南省", level="province")
    c = Region.objects.create(code="430200000000", name="株洲市", level="city", parent=p)
    k = Region.objects.create(code="430212000000", name="渌口区", level="county", parent=c)
    t = Region.objects.create(code="430212102000", name="朱亭镇", level="township", parent=k)
    v = Region.objects.create(code="430212102201", name="朱亭村", level="village", parent=t)
    user = get_user_model().objects.create_user(username)
    Membership.objects.create(user=user, role="dispatcher", region=t)
    return v, t, user


def timed(fn, *args, repeat=1, **kwargs):
    """(best seconds, last result) over ``repeat`` runs."""
    best, result = None, None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        dt = time.perf_counter() - t
        best = dt if best is None or dt < best else best
    return best, result


def row(bench, db, what, value, unit, baseline=None, baseline_label="", target=None, higher_is_better=True, note=""):
    """One figure: its value, the same-run baseline and their ratio, and the target."""
    ratio = None
    if baseline:
        ratio = value / baseline
    ok = None
    if target is not None:
        ok = value >= target if higher_is_better else value <= target
    return {
        "bench": bench, "db": db, "what": what, "value": value, "unit": unit,
        "baseline": baseline, "baseline_label": baseline_label, "ratio": ratio,
        "target": target, "higher_is_better": higher_is_better, "ok": ok, "note": note,
    }


def save(name, rows):
    info = {"python": platform.python_version(), "cpus": os.cpu_count(), "at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "load": os.getloadavg()}
    path = OUT / f"{name}.json"
    path.write_text(json.dumps({"info": info, "rows": rows}, ensure_ascii=False, indent=1))
    for r in rows:
        print(fmt_row(r))
    print(f"→ {path.relative_to(ROOT)}")


def fmt_value(v, unit):
    if v is None:
        return "—"
    if unit == "s":
        return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.2f} s"
    if unit == "/s":
        return f"{v:,.0f}/s"
    return f"{v:,.3g} {unit}"


def fmt_row(r):
    base = f"{fmt_value(r['baseline'], r['unit'])} ({r['baseline_label']})" if r["baseline"] else ""
    ratio = f"×{r['ratio']:.2f}" if r["ratio"] is not None else ""
    if r["target"] is None:
        verdict = ""
    else:
        op = "≥" if r["higher_is_better"] else "<"
        tv = fmt_value(r["target"], r["unit"]) if r["unit"] != "ratio" else f"{r['target']:.0%}"
        verdict = f"target {op} {tv}: {'ok' if r['ok'] else 'MISSED'}"
    value = fmt_value(r["value"], r["unit"]) if r["unit"] != "ratio" else f"{r['value']:.0%}"
    return f"{r['bench']:<10} {r['db']:<8} {r['what']:<42} {value:>12}  {base:<34} {ratio:>7}  {verdict}"
