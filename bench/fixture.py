"""The 1,000,000-case bench fixtures, written straight into a bench database
(sqlite3 executemany / PostgreSQL COPY; a fixture, not the actions layer).

Rows are consistent with the lifecycle: a case's timestamps, flags and
fields match its state (assigned ⇒ a lead department, deadline and
response deadline; handled ⇒ result, disposition, on-time flag; closed ⇒
close rule, rating, resolved exactly when solved and satisfied; merged ⇒ an
earlier original; reopened ⇒ an unsatisfied visit and reopen_count ≥ 1).
Return visits go with them (one rated visit per rating, three unreached
attempts before an "unreachable" close).

Every case also carries what the insight layer's indexing writes for it
(``CaseInsight`` with the normalised text, and the ``SearchGram`` full-text
rows), as in a deployment whose worker has caught up: see ``load_index``.

Region tree: a province, a prefecture, 2 counties × 10 townships × 10
villages × 2 grids; 17 departments per county and an office per township.
"""

import datetime as dt
import json
import random
import time

from django.db import connection
from django.utils import timezone

from minqing.cases.models import Case, Category, ReturnVisit
from minqing.insights.models import CaseInsight
from minqing.regions.models import Department, Region

COUNTIES = 2
TOWNSHIPS = 10
VILLAGES = 10
GRIDS = 2

STATS_MIX = {"registered": 3, "assigned": 4, "in_progress": 12, "handled": 6, "closed": 66, "reopened": 2,
             "merged": 4, "invalid": 3}
OPEN_MIX = {"assigned": 20, "in_progress": 70, "reopened": 10}

TEXTS = ["{v}三组停水两天了，老人孩子喝水都成问题。", "{v}通组公路坑洼很多，下雨天积水，电动车摔倒好几次。",
         "{v}附近烧烤店每天晚上噪音到凌晨两点。", "{v}的路灯坏了一大半，晚上出行不安全。",
         "{v}的垃圾站好几天没清运，臭气熏天。", "{v}灌溉水渠年久失修，下游稻田放不上水。",
         "{v}老人医保报销手续太麻烦，跑了好几趟。", "{v}的老旧小区改造一直没有动工。"]
DEPTS = ["water", "roads", "housing", "fire", "education", "health", "social", "hr", "environment", "police",
         "market", "agriculture", "civil", "natres", "urban", "culture", "conduct"]


def build_tree():
    """Regions and departments; returns (township regions, leaf regions, departments by county id, county of township)."""
    prov = Region.objects.create(code="430000000000", name="湖南省", level="province")
    city = Region.objects.create(code="430200000000", name="株洲市", level="city", parent=prov)
    townships, leaves, depts = [], [], {}
    for c in range(COUNTIES):
        county = Region.objects.create(code=f"4302{12 + c * 11:02d}000000", name=f"第{c + 1}县", level="county",
                                       parent=city)
        depts[county.pk] = [Department.objects.create(code=f"c{c}-{d}", name=f"第{c + 1}县{d}局", region=county)
                            for d in DEPTS]
        for t in range(TOWNSHIPS):
            town = Region.objects.create(code=f"{county.code[:6]}{100 + t:03d}000", name=f"第{c + 1}县{t + 1}镇",
                                         level="township", parent=county)
            town.county_id = county.pk
            town.office = Department.objects.create(code=f"c{c}t{t}-office", name=f"{town.name}综治办", region=town)
            townships.append(town)
            for v in range(VILLAGES):
                village = Region.objects.create(code=f"{town.code[:9]}{200 + v:03d}", name=f"{town.name}{v + 1}村",
                                                level="village", parent=town)
                village.town = town
                leaves.append(village)
                for g in range(GRIDS):
                    grid = Region.objects.create(code=f"{village.code}-{g + 1:02d}", name=f"{village.name}{g + 1}网格",
                                                 level="grid", parent=village)
                    grid.town = town
                    leaves.append(grid)
    return townships, leaves, depts


def case_columns(with_pk=True):
    """(column, attname, default) of every concrete case column, the default as Django writes it."""
    cols = []
    for f in Case._meta.concrete_fields:
        if f.primary_key and not with_pk:
            continue
        if f.has_default():
            default = f.get_default()
        elif f.null:
            default = None
        else:
            default = ""
        cols.append((f.column, f.attname, default))
    return cols


def generate(n, mix, seed=1, now=None, window_days=365):
    """Build the region tree now; return an iterator of (case dict by attname, [return visit dicts])
    for n cases, ids 1..n (it reads nothing from the database, so it can feed a COPY)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate()
    townships, leaves, depts = build_tree()
    cats = list(Category.objects.values_list("id", flat=True))
    states = rng.choices(list(mix), weights=list(mix.values()), k=n)
    return _rows(n, rng, now, today, leaves, depts, cats, states, window_days)


def _rows(n, rng, now, today, leaves, depts, cats, states, window_days):
    hour = dt.timedelta(hours=1)
    for i in range(1, n + 1):
        state = states[i - 1]
        if state == "merged" and i == 1:
            state = "registered"
        leaf = leaves[rng.randrange(len(leaves))]
        town = leaf.town
        reg = now - dt.timedelta(seconds=rng.uniform(3600, window_days * 86400))
        anonymous = rng.random() < 0.06
        c = {
            "id": i, "tracking_code": f"MB{i:010d}", "channel": rng.choice(["hotline", "hotline", "visit", "web", "qr",
                                                                             "wechat", "petition", "mailbox"]),
            "kind": rng.choice(["complaint", "complaint", "help", "help", "enquiry", "suggestion", "report"]),
            "text": TEXTS[i % len(TEXTS)].format(v=leaf.name), "category_id": rng.choice(cats),
            "region_id": leaf.pk, "region_path": leaf.path, "owner_region_id": town.pk,
            "address": leaf.name, "reporter_name": "" if anonymous else "王建国",
            "reporter_phone": "" if anonymous else f"138{i:08d}", "anonymous": anonymous,
            "state": state, "version": 1, "registered_at": reg, "updated_at": reg, "alert_level": "green",
        }
        visits = []
        if state == "merged":
            c["merged_into_id"] = rng.randrange(1, i)
        elif state not in ("registered", "invalid"):
            assigned = reg + hour * rng.uniform(0.5, 24)
            mode = rng.choice(["immediate", "immediate", "individual", "joint", "coordinated"])
            days = {"immediate": 3, "individual": 15, "joint": 10, "coordinated": 20}[mode]
            pool = depts[town.county_id]
            lead = town.office if rng.random() < 0.1 else pool[rng.randrange(len(pool))]
            c.update(mode=mode, lead_department_id=lead.pk, assigned_at=assigned,
                     deadline=timezone.localtime(assigned).date() + dt.timedelta(days=round(days * 1.4)),
                     response_deadline=timezone.localtime(assigned).date() + dt.timedelta(days=1), version=2)
            last = assigned
            if state != "assigned":
                accepted = assigned + hour * (rng.uniform(0.3, 20) if rng.random() < 0.88 else rng.uniform(30, 120))
                c.update(accepted_at=accepted,
                         accepted_on_time=timezone.localtime(accepted).date() <= c["response_deadline"], version=3)
                last = accepted
            if state in ("handled", "closed", "reopened"):
                handled = last + hour * (rng.uniform(4, days * 30) if rng.random() < 0.85 else rng.uniform(days * 34, days * 60))
                disposition = rng.choices(["solved", "coordinated", "explained"], weights=[72, 16, 12])[0]
                c.update(handled_at=handled, handled_on_time=timezone.localtime(handled).date() <= c["deadline"],
                         result="已派员现场处理，问题已解决。", disposition=disposition, ever_handled=True, version=4)
                last = handled
                if state == "closed" and rng.random() < 0.06:  # an unsatisfied round before
                    visits.append({"at": handled + hour * 30, "reached": True, "rating": "unsatisfied", "score": 4})
                    c["reopen_count"] = 1
                if state == "closed":
                    closed = handled + hour * rng.uniform(24, 120)
                    if anonymous:
                        rule, rating, score = "anonymous", "", None
                    elif rng.random() < 0.03:
                        rule, rating, score = "unreachable", "", None
                        visits += [{"at": handled + hour * (10 * k + 5), "reached": False} for k in range(3)]
                    else:
                        rule = "satisfied"
                        rating = "satisfied" if rng.random() < 0.8 else "basically_satisfied"
                        score = rng.randint(9, 10) if rating == "satisfied" else rng.randint(6, 8)
                        visits.append({"at": closed, "reached": True, "rating": rating, "score": score, "solved": True})
                    c.update(closed_at=closed, close_rule=rule, last_rating=rating, last_score=score,
                             resolved=rule == "satisfied" and disposition == "solved", version=5)
                elif state == "reopened":
                    visits.append({"at": handled + hour * 30, "reached": True, "rating": "unsatisfied",
                                   "score": rng.randint(1, 5), "solved": False})
                    c.update(last_rating="unsatisfied", last_score=visits[-1]["score"], reopen_count=1, version=5)
                elif rng.random() < 0.2:
                    visits.append({"at": handled + hour * 10, "reached": False})
            if state in ("assigned", "in_progress", "reopened"):
                d = c["deadline"]
                c["alert_level"] = "red" if d < today else "yellow" if d <= today + dt.timedelta(days=1) else "green"
        reached = [v for v in visits if v["reached"]]
        c.update(rated_visits=sum(1 for v in reached if v.get("rating")),
                 satisfied_visits=sum(1 for v in reached if v.get("rating") in ("satisfied", "basically_satisfied")),
                 scored_visits=sum(1 for v in reached if v.get("score") is not None),
                 score_sum=sum(v.get("score") or 0 for v in reached))
        yield c, visits


def _sqlite_value(v):
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


RV_COLS = ["case_id", "at", "operator_id", "via", "reached", "solved", "rating", "score", "note"]


def _rv_row(case_id, v):
    return [case_id, v["at"], None, "operator", v["reached"], v.get("solved"), v.get("rating", ""), v.get("score"), ""]


def load(n, mix, seed=1, log=print, window_days=365, index=True):
    """Generate and write n cases with their return visits into the current (migrated, empty) database,
    then (``index``) their insight rows and full-text index (``load_index``)."""
    cols = case_columns()
    names = [c for c, _a, _d in cols]
    defaults = [(a, d) for _c, a, d in cols]
    started = time.monotonic()
    gen = generate(n, mix, seed, window_days=window_days)
    vendor = connection.vendor
    batch, rv_batch, written = [], [], 0
    if vendor == "sqlite":
        raw = connection.connection if connection.connection else (connection.ensure_connection() or connection.connection)
        raw.execute("PRAGMA foreign_keys=OFF")
        case_sql = f"INSERT INTO cases_case ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
        rv_sql = f"INSERT INTO cases_returnvisit ({', '.join(RV_COLS)}) VALUES ({', '.join('?' for _ in RV_COLS)})"
        # indexes are built once after the load: much faster than keeping them up to date row by row
        index_sql = [r[0] for r in raw.execute(
            "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name IN ('cases_case','cases_returnvisit') "
            "AND sql IS NOT NULL")]
        for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type='index' AND "
                                   "tbl_name IN ('cases_case','cases_returnvisit') AND sql IS NOT NULL").fetchall():
            raw.execute(f'DROP INDEX "{name}"')
        raw.execute("BEGIN")

        def flush():
            raw.executemany(case_sql, batch)
            raw.executemany(rv_sql, rv_batch)

        try:
            for c, visits in gen:
                batch.append([_sqlite_value(c.get(a, d)) for a, d in defaults])
                rv_batch.extend([_sqlite_value(x) for x in _rv_row(c["id"], v)] for v in visits)
                if len(batch) >= 20000:
                    flush()
                    written += len(batch)
                    batch, rv_batch = [], []
                    if written % 200000 == 0:
                        log(f"  {written} cases written ({time.monotonic() - started:.0f} s)")
            flush()
        except BaseException:
            raw.execute("ROLLBACK")  # no transaction left open on the connection
            raise
        raw.execute("COMMIT")
        log(f"  rows written in {time.monotonic() - started:.0f} s; building indexes")
        for sql in index_sql:
            raw.execute(sql)
        raw.execute("ANALYZE")
        raw.execute("PRAGMA foreign_keys=ON")
    else:
        connection.ensure_connection()
        pg = connection.connection
        with connection.cursor() as cur:
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('cases_case','cases_returnvisit') "
                        "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
            index_defs = cur.fetchall()
            for name, _sql in index_defs:
                cur.execute(f'DROP INDEX "{name}"')
        with pg.cursor() as cur:
            with cur.copy(f"COPY cases_case ({', '.join(names)}) FROM STDIN") as copy_case:
                for c, visits in gen:
                    row = [c.get(a, d) for a, d in defaults]
                    copy_case.write_row([json.dumps(v) if isinstance(v, (dict, list)) else v for v in row])
                    rv_batch.extend(_rv_row(c["id"], v) for v in visits)
                    written += 1
                    if written % 200000 == 0:
                        log(f"  {written} cases written ({time.monotonic() - started:.0f} s)")
            with cur.copy(f"COPY cases_returnvisit ({', '.join(RV_COLS)}) FROM STDIN") as copy_rv:
                for r in rv_batch:
                    copy_rv.write_row(r)
        pg.commit()
        log(f"  rows written in {time.monotonic() - started:.0f} s; building indexes")
        with connection.cursor() as cur:
            for _name, sql in index_defs:
                cur.execute(sql)
            cur.execute("SELECT setval(pg_get_serial_sequence('cases_case','id'), (SELECT max(id) FROM cases_case))")
            cur.execute("ANALYZE cases_case")
            cur.execute("ANALYZE cases_returnvisit")
    log(f"  {n} cases and {ReturnVisit.objects.count()} return visits in {time.monotonic() - started:.0f} s")
    if index:
        load_index(log=log)


INDEX_TABLES = ("insights_caseinsight", "insights_searchgram")


def _drop_indexes(cur, vendor, tables):
    """Drop the secondary indexes of ``tables``; returns the SQL that builds them again."""
    names = ", ".join(f"'{t}'" for t in tables)
    if vendor == "sqlite":
        cur.execute(f"SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name IN ({names}) "
                    "AND sql IS NOT NULL")
    else:
        cur.execute(f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({names}) "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
    found = cur.fetchall()
    for name, _sql in found:
        cur.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def load_index(log=print, batch=2000):
    """Write ``CaseInsight`` and ``SearchGram`` rows for every case that has none — the rows
    ``minqing.insights.indexing.index_cases`` writes — in bulk.

    Cases with the same text, address and region get the same rows (but their case id), so
    ``index_cases`` itself indexes one case of each such group (the fixture has a few thousand
    groups), and the database copies that case's rows to the rest of its group in two
    INSERT … SELECT statements (no row goes through Python; the search indexes are built once
    after the copy, as for the case rows). The duplicate keys ``index_cases`` writes for those
    cases are removed again: the fixture keeps no ``DupKey`` rows, as before. Returns how many
    cases were indexed."""
    from django.db import transaction

    from minqing.insights.indexing import index_cases
    from minqing.insights.models import DupKey

    started = time.monotonic()
    vendor = connection.vendor
    with transaction.atomic(), connection.cursor() as cur:
        # every unindexed case → the first case (lowest id) with the same text, address and region
        cur.execute("DROP TABLE IF EXISTS fx_map")
        cur.execute(
            "CREATE TEMP TABLE fx_map AS SELECT c.id AS case_id, "
            "MIN(c.id) OVER (PARTITION BY c.text, c.address, c.region_id) AS rep FROM cases_case c "
            "WHERE NOT EXISTS (SELECT 1 FROM insights_caseinsight i WHERE i.case_id = c.id)")
        cur.execute("SELECT COUNT(*), COUNT(DISTINCT rep) FROM fx_map")
        todo, groups = cur.fetchone()
        if not todo:
            cur.execute("DROP TABLE fx_map")
            return 0
        cur.execute("SELECT DISTINCT rep FROM fx_map ORDER BY rep")
        reps = [r[0] for r in cur.fetchall()]
        log(f"  index: {todo} cases in {groups} groups of the same text, address and region")
        for i in range(0, len(reps), batch):
            rows = list(Case.objects.filter(pk__in=reps[i : i + batch])
                        .values("id", "text", "address", "region__code"))
            index_cases(rows)
        DupKey.objects.filter(case_id__in=reps).delete()
        log(f"  index: {len(reps)} cases indexed by index_cases in {time.monotonic() - started:.0f} s; copying")
        cols = [f.column for f in CaseInsight._meta.concrete_fields if f.column != "case_id"]
        col_list = ", ".join(cols)
        cur.execute("DROP TABLE IF EXISTS fx_insight")
        cur.execute("DROP TABLE IF EXISTS fx_gram")
        cur.execute(f"CREATE TEMP TABLE fx_insight AS SELECT case_id AS rep, {col_list} FROM insights_caseinsight "
                    "WHERE case_id IN (SELECT DISTINCT rep FROM fx_map)")
        cur.execute("CREATE TEMP TABLE fx_gram AS SELECT case_id AS rep, gram FROM insights_searchgram "
                    "WHERE case_id IN (SELECT DISTINCT rep FROM fx_map)")
        cur.execute("CREATE INDEX fx_gram_rep ON fx_gram (rep)")
        cur.execute("CREATE INDEX fx_map_rep ON fx_map (rep)")
        rebuild = _drop_indexes(cur, vendor, ["insights_searchgram"])
        cur.execute(f"INSERT INTO insights_caseinsight (case_id, {col_list}) "
                    f"SELECT m.case_id, {', '.join('x.' + c for c in cols)} FROM fx_map m "
                    "JOIN fx_insight x ON x.rep = m.rep WHERE m.case_id <> m.rep ORDER BY m.case_id")
        cur.execute("INSERT INTO insights_searchgram (gram, case_id) SELECT g.gram, m.case_id FROM fx_map m "
                    "JOIN fx_gram g ON g.rep = m.rep WHERE m.case_id <> m.rep ORDER BY m.case_id")
        for t in ("fx_map", "fx_insight", "fx_gram"):
            cur.execute(f"DROP TABLE {t}")
    # after the commit: PostgreSQL builds no index on a table with pending (deferred) FK checks
    log(f"  index: rows copied in {time.monotonic() - started:.0f} s; building the search indexes")
    with connection.cursor() as cur:
        for sql in rebuild:
            cur.execute(sql)
        for t in INDEX_TABLES:
            cur.execute(f"ANALYZE {t}")
    log(f"  index: {todo} cases indexed in {time.monotonic() - started:.0f} s")
    return todo


def ensure_stats_database(db, n):
    """The 1,000,000-case database of bench/stats_1m.py and bench/pages.py (name "1m"): reused
    when it holds n cases (its insight index added if it predates it), else built."""
    import common

    if Case.objects.count() >= n and Region.objects.filter(code="430200000000").exists():
        print(f"fixture: {Case.objects.count():,} cases in the {db} bench database")
        if CaseInsight.objects.count() < Case.objects.count():
            print("fixture: adding the insight index (CaseInsight, SearchGram) …", flush=True)
            t = time.perf_counter()
            load_index(log=lambda m: print(m, flush=True))
            print(f"fixture: index added in {time.perf_counter() - t:.0f} s")
        return
    print(f"fixture: generating {n} cases into the {db} bench database …", flush=True)
    common.reset_database(db, "1m")
    t = time.perf_counter()
    load(n, STATS_MIX, log=lambda m: print(m, flush=True))
    print(f"fixture: done in {time.perf_counter() - t:.0f} s")
