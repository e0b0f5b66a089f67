"""Coverage for a province-sized world on PostgreSQL (issue 4).

    .venv/bin/python bench/visits_province.py [--scale 1.0] [--db URL] [--skip-generate] [--work-mem MB]

Builds, in its own database (default ``minqing_visits_bench`` on the local
PostgreSQL, role minqing, see scripts/postgres.sh), a province of
14 cities / 126 counties / 1,890 townships / 30,240 villages with, at scale 1.0,
25,000,000 households, 1,000,000 enterprises (valid credit codes), 700,000 cadres
(membership, profile with rank and home region) and 10,000,000 visits (5 % of
them meetings with 8 subjects, so ~13.5 M visit links) over 2026-01-01..2026-11-20;
tags 建档立卡户 (5 % of households), 低保户 (3 %), 独居老人 (2 %), 列统企业 (20 % of
enterprises), 规上企业 (5 %); 10 % of villages tagged 经济薄弱村.

Rows are streamed with COPY FROM STDIN (psycopg); indexes and constraints
are dropped during the load and rebuilt afterwards, then VACUUM ANALYZE.

Then it times ``figures.coverage`` (visit coverage overall / per kind / per tag /
per city with recency and the never-visited list, participation, and the rules'
compliance) for the whole province and for one city, and prints the figures
with the timings.  The requirement is < 60 s for the whole province.
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_DB = "postgres://minqing:minqing@127.0.0.1:5432/minqing_visits_bench"
CITIES, COUNTIES, TOWNSHIPS, VILLAGES = 14, 9, 15, 16
TABLES = ["visits_visitsubject", "visits_visit", "visits_subjecttag", "visits_subject", "visits_tag",
          "visits_pairing", "people_profile", "people_membership", "people_apitoken", "auth_user"]
LOAD_TABLES = ["visits_subject", "visits_subjecttag", "visits_visit", "visits_visitsubject", "auth_user",
               "people_membership", "people_profile"]
TAGS = ["建档立卡户", "低保户", "独居老人", "列统企业", "规上企业"]
RANKS = [("staff", 1)] * 60 + [("section", 2)] * 30 + [("division", 3)] * 9 + [("bureau", 4)]
START = dt.date(2026, 1, 1)
DAYS = 324  # .. 2026-11-20


DATES = [(START + dt.timedelta(days=d)).isoformat() for d in range(DAYS)]


def _visits_iter(NV, C, S):
    """The generated visits: (index, cadre index, day, method, first subject index, subjects)."""
    r = random.Random(99)
    for v in range(NV):
        u = r.randrange(C)
        day = r.randrange(DAYS)
        x = r.random()
        method = "door" if x < 0.6 else "phone" if x < 0.8 else "wechat" if x < 0.95 else "meeting"
        n = 8 if method == "meeting" else 1
        first = min(r.randrange(S), S - n)
        yield v, u, day, method, first, n


def log(*a):
    print(time.strftime("%H:%M:%S", time.gmtime()), *a, flush=True)


def copy_rows(conn, table, columns, rows, chunk=20000):
    """COPY an iterator of already tab-joined lines into a table."""
    n = 0
    with conn.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            buf = []
            for line in rows:
                buf.append(line)
                if len(buf) >= chunk:
                    cp.write("\n".join(buf) + "\n")
                    n += len(buf)
                    buf = []
            if buf:
                cp.write("\n".join(buf) + "\n")
                n += len(buf)
    conn.commit()
    return n


def regions():
    """[(id, code, name, level, parent_id, path, depth, tags)] and the village list."""
    out, villages = [], []
    rid = 1
    out.append((rid, "430000", "模拟省", "province", None, "/430000/", 0, "[]"))
    prov = rid
    rnd = random.Random(7)
    for c in range(1, CITIES + 1):
        rid += 1
        ccode = f"43{c:02d}00"
        cpath = f"/430000/{ccode}/"
        out.append((rid, ccode, f"模拟市{c}", "city", prov, cpath, 1, "[]"))
        cid = rid
        for k in range(1, COUNTIES + 1):
            rid += 1
            kcode = f"43{c:02d}{k:02d}"
            kpath = f"{cpath}{kcode}/"
            out.append((rid, kcode, f"模拟县{c}-{k}", "county", cid, kpath, 2, "[]"))
            kid = rid
            for t in range(1, TOWNSHIPS + 1):
                rid += 1
                tcode = f"{kcode}{t:03d}"
                tpath = f"{kpath}{tcode}/"
                out.append((rid, tcode, f"模拟镇{c}-{k}-{t}", "township", kid, tpath, 3, "[]"))
                tid = rid
                for v in range(1, VILLAGES + 1):
                    rid += 1
                    vcode = f"{tcode}{v:03d}"
                    vpath = f"{tpath}{vcode}/"
                    tags = '["经济薄弱村"]' if rnd.random() < 0.1 else "[]"
                    out.append((rid, vcode, f"模拟村{vcode[-6:]}", "village", tid, vpath, 4, tags))
                    villages.append((rid, vpath, kcode, tid, kid, cid))
    return out, villages


def indexes_and_constraints(conn, tables):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u')", [tables])
        cons = cur.fetchall()
        cur.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT LIKE '%%_pkey'", [tables])
        idx = cur.fetchall()
    con_names = {c[1] for c in cons}
    return cons, [i for i in idx if i[1] not in con_names]


def generate(db, scale):
    import psycopg

    from minqing.visits.creditcode import make

    H = int(25_000_000 * scale)
    E = int(1_000_000 * scale)
    C = int(700_000 * scale)
    NV = int(10_000_000 * scale)
    conn = psycopg.connect(db)
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM visits_subject")
        log("existing subjects:", cur.fetchone()[0])
        cur.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        cur.execute("DELETE FROM regions_region")
    conn.commit()
    cons, idx = indexes_and_constraints(conn, LOAD_TABLES)
    with conn.cursor() as cur:
        for table, name, _, _ in cons:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, name, _ in idx:
            cur.execute(f'DROP INDEX "{name}"')
    conn.commit()
    log(f"dropped {len(cons)} constraints, {len(idx)} indexes")

    regs, villages = regions()
    V = len(villages)
    copy_rows(conn, "regions_region", ["id", "code", "name", "level", "parent_id", "path", "depth", "tags", "aliases"],
              ("\t".join([str(r[0]), r[1], r[2], r[3], "\\N" if r[4] is None else str(r[4]), r[5], str(r[6]), r[7],
                          "[]"]) for r in regs))
    log(f"regions: {len(regs)} ({V} villages)")
    copy_rows(conn, "visits_tag", ["id", "name"], (f"{i}\t{t}" for i, t in enumerate(TAGS, 1)))

    created = "2026-01-01 00:00:00+08"
    S = H + E
    # Subject.last_visit: one pass over the visits to be generated (same seed) before the subjects are written
    t = time.time()
    last = array("h", [-1]) * S
    for _v, _u, day, _method, first, n in _visits_iter(NV, C, S):
        for si in range(first, first + n):
            if day > last[si]:
                last[si] = day
    log(f"last visit per subject computed in {time.time() - t:.0f}s")

    def households():
        for i in range(H):
            vid, vpath, *_ = villages[i * V // H]
            lv = DATES[last[i]] if last[i] >= 0 else "\\N"
            yield (f"{i + 1}\tH{i:09d}\thousehold\t户主{i}\t{vpath}\tHN{i:09d}\t\\N\t{i % 50 + 1}组\t\t\t{{}}\t"
                   f"{created}\t{vid}\t{lv}")

    def enterprises():
        for j in range(E):
            vid, vpath, kcode, *_ = villages[j * V // E]
            code = make(f"91{kcode}{j:09d}")
            lv = DATES[last[H + j]] if last[H + j] >= 0 else "\\N"
            yield f"{H + j + 1}\tE{j:08d}\tenterprise\t企业{j}\t{vpath}\t\t{code}\t\t\t\t{{}}\t{created}\t{vid}\t{lv}"

    cols = ["id", "external_id", "kind", "name", "region_path", "household_no", "credit_code", "address",
            "contact_name", "phone", "extra", "created_at", "region_id", "last_visit"]
    t = time.time()
    log("households:", copy_rows(conn, "visits_subject", cols, households()), f"{time.time() - t:.0f}s")
    log("enterprises:", copy_rows(conn, "visits_subject", cols, enterprises()), f"{time.time() - t:.0f}s")

    def subject_tags():
        n = 0
        for i in range(H):
            for tag, ok in ((1, i % 20 == 0), (2, i % 33 == 1), (3, i % 50 == 2)):
                if ok:
                    n += 1
                    yield f"{n}\t{i + 1}\t{tag}"
        for j in range(E):
            for tag, ok in ((4, j % 5 == 0), (5, j % 20 == 1)):
                if ok:
                    n += 1
                    yield f"{n}\t{H + j + 1}\t{tag}"

    log("subject tags:", copy_rows(conn, "visits_subjecttag", ["id", "subject_id", "tag_id"], subject_tags()))

    rnd = random.Random(42)
    cadre_rank = []
    cadre_region = []
    for _u in range(C):
        vid, vpath, kcode, tid, kid, cid = villages[rnd.randrange(V)]
        x = rnd.random()
        cadre_region.append(tid if x < 0.7 else kid if x < 0.95 else cid)
        cadre_rank.append(RANKS[rnd.randrange(100)])
    base_uid = 1000
    copy_rows(conn, "auth_user", ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
                                  "is_staff", "is_active", "date_joined"],
              (f"{base_uid + u}\t!\tf\tc{u:07d}\t\t\t\tf\tt\t{created}" for u in range(C)))
    copy_rows(conn, "people_membership", ["id", "role", "department_id", "region_id", "user_id"],
              (f"{u + 1}\tcadre\t\\N\t{cadre_region[u]}\t{base_uid + u}" for u in range(C)))
    copy_rows(conn, "people_profile", ["id", "display_name", "unit", "rank", "phone", "home_region_id", "user_id"],
              (f"{u + 1}\t干部{u}\t单位{cadre_region[u]}\t{cadre_rank[u][0]}\t\t{cadre_region[u]}\t{base_uid + u}"
               for u in range(C)))
    log(f"cadres: {C}")

    def village_of(si):
        return villages[si * V // H] if si < H else villages[(si - H) * V // E]

    def visit_rows(emit_links):
        link_id = 0
        for v, u, day, method, first, n in _visits_iter(NV, C, S):
            rank, level = cadre_rank[u]  # the rank at the time of the visit
            date = DATES[day]
            if emit_links:
                for k in range(n):
                    si = first + k
                    svid, svpath, *_ = village_of(si)
                    link_id += 1
                    kind = "household" if si < H else "enterprise"
                    yield f"{link_id}\t{date}\t{level}\t{kind}\t{svpath}\t{si + 1}\t{svid}\t{v + 1}"
            else:
                vid, vpath, *_ = village_of(first)
                yield f"{v + 1}\t{rank}\t{level}\t{date}\t{method}\t{vpath}\t\t{created}\t{base_uid + u}\t\\N\t{vid}"

    t = time.time()
    log("visits:", copy_rows(conn, "visits_visit", ["id", "cadre_rank", "rank_level", "date", "method", "region_path",
                                                    "notes", "created_at", "cadre_id", "recorded_by_id", "region_id"],
                             visit_rows(False)), f"{time.time() - t:.0f}s")
    log("visit links:", copy_rows(conn, "visits_visitsubject", ["id", "date", "rank_level", "subject_kind",
                                                                "subject_region_path", "subject_id",
                                                                "subject_region_id", "visit_id"],
                                  visit_rows(True)), f"{time.time() - t:.0f}s")

    t = time.time()
    with conn.cursor() as cur:
        for _table, _name, indexdef in idx:
            cur.execute(indexdef)
            conn.commit()
            log(f"  index {name} {time.time() - t:.0f}s")
        for table, name, definition, _contype in cons:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            conn.commit()
            log(f"  constraint {name} {time.time() - t:.0f}s")
        for table in LOAD_TABLES + ["regions_region", "visits_tag"]:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        for table in LOAD_TABLES + ["regions_region"]:
            cur.execute(f"VACUUM ANALYZE {table}")
    log(f"indexes, constraints, vacuum: {time.time() - t:.0f}s")
    conn.close()


def measure(db, work_mem):
    os.environ["MINQING_DATABASE_URL"] = db
    os.environ.setdefault("MINQING_DATA_DIR", str(ROOT / "data" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    from django.db import connection

    from minqing.insights import figures
    from minqing.visits.models import Subject, Visit, VisitSubject

    if work_mem:
        with connection.cursor() as cur:
            cur.execute(f"SET work_mem = '{int(work_mem)}MB'")
    with connection.cursor() as cur:
        cur.execute("SHOW work_mem")
        wm = cur.fetchone()[0]
        cur.execute("SHOW max_parallel_workers_per_gather")
        par = cur.fetchone()[0]
    sizes = {"subjects": Subject.objects.count(), "visits": Visit.objects.count(),
             "visit_links": VisitSubject.objects.count()}
    from minqing.people.models import Membership

    sizes["cadres"] = Membership.objects.filter(role="cadre").count()
    log("world:", sizes, f"work_mem={wm} parallel_workers_per_gather={par}")
    results = {"sizes": sizes, "work_mem": wm, "timings": {}}
    runs = [("province, year to date", None, "2026-01-01", "2026-11-20"),
            ("province, one quarter", None, "2026-07-01", "2026-09-30"),
            ("one city, year to date", "430100", "2026-01-01", "2026-11-20")]
    for label, region, f, to in runs:
        scope = figures.make_visit_scope(region, f, to)
        t = time.time()
        out = figures.coverage(scope, rules=False, never_limit=100)
        t_cov = time.time() - t
        t = time.time()
        rules = figures.rules_compliance(scope, limit=100)
        t_rules = time.time() - t
        vc, pr = out["visit_coverage"], out["participation_rate"]
        log(f"{label}: coverage+participation {t_cov:.1f}s, rules {t_rules:.1f}s, total {t_cov + t_rules:.1f}s")
        log(f"   visit_coverage {vc['rate']} ({vc['visited']}/{vc['subjects']}); by kind "
            f"{ {k: (v['visited'], v['subjects']) for k, v in vc['by_kind'].items()} }")
        log(f"   by tag { {k: (v['visited'], v['subjects']) for k, v in vc['by_tag'].items()} }")
        log(f"   participation {pr['rate']} ({pr['active_cadres']}/{pr['cadres']}), visits {pr['visits']}")
        log(f"   rules { [(r['name'][:10], r['compliant'], r['subjects']) for r in rules] }")
        log(f"   computed from {vc['computed_from']}; days since last visit {vc['days_since_last_visit']}")
        results["timings"][label] = {"coverage_seconds": round(t_cov, 2), "rules_seconds": round(t_rules, 2),
                                     "computed_from": vc["computed_from"],
                                     "visit_coverage": vc["rate"], "participation_rate": pr["rate"]}
        if vc["computed_from"] == "subjects.last_visit":
            t = time.time()
            slow = figures.visit_coverage(scope, source="visit links")
            t_slow = time.time() - t
            same = all(slow[k] == vc[k] for k in ("visited", "subjects", "by_kind", "by_tag", "by_region",
                                                   "days_since_last_visit"))
            log(f"   the same from the visit links: {t_slow:.1f}s, identical figures: {same}")
            results["timings"][label]["visit_links_seconds"] = round(t_slow, 2)
            results["timings"][label]["identical"] = same
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="1.0 = 25 M households … (0.01 for a quick run)")
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--skip-generate", action="store_true", help="measure the world already in the database")
    p.add_argument("--work-mem", type=int, default=0, help="SET work_mem (MB) for the measuring session")
    p.add_argument("--migrate", action="store_true", help="run the migrations first")
    p.add_argument("--fresh", action="store_true", help="drop and recreate the database, then migrate")
    a = p.parse_args()
    if a.fresh:
        import psycopg

        name = a.db.rsplit("/", 1)[1]
        with psycopg.connect(a.db.rsplit("/", 1)[0] + "/minqing", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        a.migrate = True
    if a.migrate:
        import subprocess

        env = dict(os.environ, MINQING_DATABASE_URL=a.db, MINQING_DATA_DIR=str(ROOT / "data" / "bench"))
        subprocess.run([str(ROOT / ".venv" / "bin" / "minqing"), "migrate", "--skip-checks"], env=env, check=True)
    if not a.skip_generate:
        t = time.time()
        generate(a.db, a.scale)
        log(f"generated in {time.time() - t:.0f}s")
    res = measure(a.db, a.work_mem)
    print(json.dumps(res, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
