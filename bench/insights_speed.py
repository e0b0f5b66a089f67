"""Speed of the insight layer, each figure beside a same-run baseline.

    .venv/bin/python bench/insights_speed.py [--part analyze|receiver|dups|topics|all] [--n-open 1000000]
                                             [--n-topics 100000]

analyze   ``analyze_many`` (place, categories, departments, duplicates against 2,000 indexed
          cases) in batches of 500 on one core; baseline: jieba segmentation alone of the same texts.
          Target ≥ 1,000 texts/s.
receiver  ``actions.register`` with and without the insight receiver of ``event_recorded``
          (the PendingIndex row); the ratio is what the receiver costs registration.
dups      the duplicate check of one new text against N open cases (default 1,000,000) spread
          over the ~2,000 townships of 湖南 in the shipped gazetteer, every case with its
          CaseInsight and duplicate keys (written straight into the database: a fixture);
          baseline: fetching one case by primary key. Target < 20 ms.
topics    ``find_topics`` over N cases (default 100,000) of the 株洲 evaluation tree in a
          90-day window; baseline: reading the same cases' rows. Target < 60 s.

One core: BLAS/OpenMP threads are pinned to 1 before numpy loads.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import datetime as dt  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ARGV = sys.argv[1:]
PART = ARGV[ARGV.index("--part") + 1] if "--part" in ARGV else "all"
N_OPEN = common.arg_int("n-open", 1_000_000)
N_TOPICS = common.arg_int("n-topics", 100_000)
DATA = common.ROOT / "src" / "minqing" / "insights" / "data"
ROWS = []


def log(msg):
    print(msg, flush=True)


def base_setup(name, fresh=True):
    common.setup_django("sqlite", name, fresh=fresh, migrate=True)
    from django.core.management import call_command

    from minqing.regions.models import Region

    if not Region.objects.exists():
        call_command("import", "regions", str(DATA / "eval_regions.csv"), verbosity=0)


def train_on_tune():
    from minqing.insights import classify, evaluate

    if classify.catalog()[1] is None:
        tuning = evaluate.read_csv(str(DATA / "eval_tune.csv")) + evaluate.read_csv(str(DATA / "eval_holdout.csv"))
        classify.train(evaluate.samples_from_rows(tuning))  # the model quality runs use: all the old texts
        classify.invalidate()


def eval_texts():
    from minqing.insights import evaluate

    return [r["text"] for r in evaluate.read_csv(str(DATA / "eval_tune.csv"))] + [
        r["text"] for r in evaluate.read_csv(str(DATA / "eval_holdout.csv"))]


# ---- analyze ---------------------------------------------------------------------------


def part_analyze():
    base_setup("insights-analyze")
    train_on_tune()
    from minqing.cases import actions
    from minqing.insights import analyze, indexing
    from minqing.insights.text import _jieba
    from minqing.people.scoping import Actor

    texts = eval_texts()
    system = Actor.system("bench")
    rng = random.Random(5)
    for i in range(2000):
        actions.register(system, text=texts[i % len(texts)] + ("" if i < len(texts) else f"（第{i}次反映）"),
                         channel=rng.choice(["hotline", "web", "visit"]), kind="complaint")
    indexing.catch_up()
    batch = [texts[i % len(texts)] + ("" if i < len(texts) else "，请尽快处理") for i in range(3000)]
    analyze.analyze_many(batch[:100])  # warm up (model, places, jieba)
    tok = _jieba()

    def run_analyze():
        for i in range(0, len(batch), 500):
            analyze.analyze_many(batch[i : i + 500])

    def run_jieba():
        for t in batch:
            tok.lcut(t, HMM=False)

    t_an, _ = common.timed(run_analyze, repeat=2)
    t_jb, _ = common.timed(run_jieba, repeat=2)
    ROWS.append(common.row("insights", "sqlite", "analyze (batch, with duplicates), texts/s", len(batch) / t_an,
                           "/s", baseline=len(batch) / t_jb, baseline_label="jieba alone", target=1000))
    t_nd, _ = common.timed(lambda: [analyze.analyze_many(batch[i:i + 500], with_duplicates=False)
                                    for i in range(0, len(batch), 500)], repeat=2)
    ROWS.append(common.row("insights", "sqlite", "analyze (batch, no duplicates), texts/s", len(batch) / t_nd,
                           "/s", baseline=len(batch) / t_jb, baseline_label="jieba alone"))


# ---- the registration receiver ------------------------------------------------------------


def part_receiver():
    base_setup("insights-receiver")
    from django.db import transaction

    from minqing.cases import actions
    from minqing.cases.signals import event_recorded
    from minqing.insights import indexing
    from minqing.people.scoping import Actor

    system = Actor.system("bench")
    texts = eval_texts()
    n = 1500

    def run():
        for i in range(n):
            actions.register(system, text=texts[i % len(texts)], channel="hotline", kind="complaint",
                             region="430212103206")

    actions.register(system, text="预热", channel="hotline", kind="complaint")
    with_rx = []
    without = []
    for _ in range(2):
        with_rx.append(common.timed(run)[0])
        event_recorded.disconnect(dispatch_uid="insights_index_on_register")
        without.append(common.timed(run)[0])
        indexing.connect_signals()
    with transaction.atomic():
        pass
    ROWS.append(common.row("insights", "sqlite", "register with the insight receiver, cases/s", n / min(with_rx),
                           "/s", baseline=n / min(without), baseline_label="receiver disconnected"))


# ---- duplicates against 1,000,000 open cases --------------------------------------------


def _hunan_townships():
    from minqing.insights import places

    idx = places.index()
    out = []
    for ident, node in idx.nodes.items():
        if node.level == "township" and ident.startswith("T:43"):
            county = idx.nodes[node.parent]
            out.append((county.name + node.name, ident))
    return out


def load_open_cases(n):
    """n open cases with their CaseInsight and duplicate keys, straight into SQLite."""
    import fixture
    from django.db import connection
    from django.utils import timezone

    from minqing.cases.models import Case
    from minqing.insights import classify, duplicates, places
    from minqing.insights.text import read

    idx = places.index()
    towns = _hunan_townships()
    bases = [t for t in eval_texts() if read(t, idx).place is None]
    readings = [read(t, idx) for t in bases]
    sugg = classify.suggest_many([r.content for r in readings], limit=3)
    rng = random.Random(11)
    cols = fixture.case_columns()
    names = [c for c, _a, _d in cols]
    now = timezone.now()
    raw = connection.connection if connection.connection else (connection.ensure_connection() or connection.connection)
    raw.execute("PRAGMA foreign_keys=OFF")
    drop = {}
    for table in ("cases_case", "insights_caseinsight", "insights_dupkey"):
        for name, sql in raw.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=? "
                                     "AND sql IS NOT NULL", [table]).fetchall():
            drop[name] = sql
            raw.execute(f'DROP INDEX "{name}"')
    case_sql = f"INSERT INTO cases_case ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    ins_sql = ("INSERT INTO insights_caseinsight (case_id, norm_text, content, tokens, place_code, place_key, "
               "categories, category_scores, indexed_at) VALUES (?,?,?,?,?,?,?,?,?)")
    key_sql = "INSERT INTO insights_dupkey (key, case_id) VALUES (?,?)"
    import json

    started = time.monotonic()
    raw.execute("BEGIN")
    cases, insights, keys = [], [], []
    for i in range(1, n + 1):
        b = rng.randrange(len(bases))
        town_name, ident = towns[rng.randrange(len(towns))]
        reg = now - dt.timedelta(seconds=rng.uniform(3600, 180 * 86400))
        c = {"id": i, "tracking_code": f"MI{i:010d}", "channel": "hotline", "kind": "complaint",
             "text": town_name + bases[b], "state": "in_progress", "version": 3, "registered_at": reg,
             "updated_at": reg, "alert_level": "green", "region_path": "/430000/"}
        cases.append([fixture._sqlite_value(c.get(a, d)) for _c, a, d in cols])
        rd, sg = readings[b], sugg[b]
        cats = [s["code"] for s in sg]
        pkey = ident.split(":", 1)[1]
        insights.append([i, c["text"], rd.content, " ".join(rd.tokens), pkey, pkey, json.dumps(cats),
                         json.dumps([s["score"] for s in sg]), fixture._sqlite_value(now)])
        keys.extend((k, i) for k in duplicates.keys_for(pkey, rd.content, cats))
        if len(cases) >= 20000:
            raw.executemany(case_sql, cases)
            raw.executemany(ins_sql, insights)
            raw.executemany(key_sql, keys)
            cases, insights, keys = [], [], []
            if i % 200000 == 0:
                log(f"  {i} open cases written ({time.monotonic() - started:.0f} s)")
    raw.executemany(case_sql, cases)
    raw.executemany(ins_sql, insights)
    raw.executemany(key_sql, keys)
    raw.execute("COMMIT")
    log(f"  rows written in {time.monotonic() - started:.0f} s; building indexes")
    for sql in drop.values():
        raw.execute(sql)
    raw.execute("ANALYZE")
    raw.execute("PRAGMA foreign_keys=ON")
    log(f"  loaded in {time.monotonic() - started:.0f} s")
    assert Case.objects.count() == n


def part_dups():
    name = f"insights-dups-{N_OPEN}"
    data_dir = common.OUT / f"data-{name}-sqlite"
    fresh = not (data_dir / "loaded").exists()
    base_setup(name, fresh=fresh)
    train_on_tune()
    if fresh:
        load_open_cases(N_OPEN)
        (data_dir / "loaded").write_text("ok")
    from minqing.cases.models import Case
    from minqing.insights import classify, duplicates, places
    from minqing.insights.text import read

    idx = places.index()
    towns = _hunan_townships()
    rng = random.Random(99)
    bases = [t for t in eval_texts() if read(t, idx).place is None]
    queries = []
    for _ in range(300):
        town, _ident = towns[rng.randrange(len(towns))]
        text = town + "这边" + bases[rng.randrange(len(bases))]
        queries.append(text)

    def check(text):
        rd = read(text, idx)
        sg = classify.suggest(rd.content)
        item = {"place_key": duplicates.place_key(rd.place), "place_ident": duplicates.place_ident(rd.place),
                "content": rd.content, "tokens": rd.tokens, "categories": [s["code"] for s in sg],
                "scores": {s["code"]: s["score"] for s in sg}}
        return duplicates.find([item])[0]

    for q in queries[:20]:
        check(q)  # warm the page cache and the caches
    lat, found = [], 0
    for q in queries:
        t = time.perf_counter()
        found += bool(check(q))
        lat.append(time.perf_counter() - t)
    ids = [rng.randrange(1, N_OPEN + 1) for _ in range(300)]
    base = []
    for pk in ids:
        t = time.perf_counter()
        Case.objects.filter(pk=pk).first()
        base.append(time.perf_counter() - t)
    med, p95 = statistics.median(lat), sorted(lat)[int(len(lat) * 0.95)]
    note = f"p95 {p95 * 1000:.1f} ms; {found}/{len(queries)} queries found a duplicate"
    ROWS.append(common.row("insights", "sqlite", f"duplicate check vs {N_OPEN:,} open cases (median)", med, "s",
                           baseline=statistics.median(base), baseline_label="one case by pk", target=0.020,
                           higher_is_better=False, note=note))
    ROWS.append(common.row("insights", "sqlite", f"duplicate check vs {N_OPEN:,} open cases (p95)", p95, "s",
                           target=0.020, higher_is_better=False))


# ---- topics over 100,000 cases ----------------------------------------------------------


def part_topics():
    name = f"insights-topics-{N_TOPICS}"
    data_dir = common.OUT / f"data-{name}-sqlite"
    fresh = not (data_dir / "loaded").exists()
    base_setup(name, fresh=fresh)
    train_on_tune()
    import fixture
    from django.db import connection
    from django.utils import timezone

    from minqing.cases.models import Case, Category
    from minqing.insights import classify, figures, places, topics
    from minqing.insights.text import read
    from minqing.regions.models import Region

    if fresh:
        idx = places.index()
        villages = list(Region.objects.filter(level="village").values_list("name", "path", "parent_id"))
        bases = [t for t in eval_texts() if read(t, idx).place is None]
        readings = [read(t, idx) for t in bases]
        sugg = classify.suggest_many([r.content for r in readings], limit=3)
        cat_ids = dict(Category.objects.values_list("code", "id"))
        rng = random.Random(3)
        now = timezone.now()
        cols = fixture.case_columns()
        names = [c for c, _a, _d in cols]
        raw = connection.connection if connection.connection else (
            connection.ensure_connection() or connection.connection)
        case_sql = f"INSERT INTO cases_case ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
        ins_sql = ("INSERT INTO insights_caseinsight (case_id, norm_text, content, tokens, place_code, place_key, "
                   "categories, category_scores, indexed_at) VALUES (?,?,?,?,?,?,?,?,?)")
        import json

        raw.execute("BEGIN")
        cases, insights = [], []
        for i in range(1, N_TOPICS + 1):
            b = rng.randrange(len(bases))
            vname, vpath, _town = villages[rng.randrange(len(villages))]
            reg = now - dt.timedelta(seconds=rng.uniform(3600, 90 * 86400))
            rating = rng.choice(["", "", "satisfied", "basically_satisfied", "unsatisfied"])
            cats = [s["code"] for s in sugg[b]]
            c = {"id": i, "tracking_code": f"MT{i:010d}", "channel": rng.choice(["hotline", "web", "visit", "petition"]),
                 "kind": "complaint", "text": vname + bases[b], "state": "in_progress", "version": 3,
                 "registered_at": reg, "updated_at": reg, "alert_level": "green", "region_path": vpath,
                 "category_id": cat_ids.get(cats[0]), "last_rating": rating}
            cases.append([fixture._sqlite_value(c.get(a, d)) for _c, a, d in cols])
            rd = readings[b]
            insights.append([i, c["text"], rd.content, " ".join(rd.tokens), "", "", json.dumps(cats),
                             json.dumps([s["score"] for s in sugg[b]]), fixture._sqlite_value(now)])
            if len(cases) >= 20000:
                raw.executemany(case_sql, cases)
                raw.executemany(ins_sql, insights)
                cases, insights = [], []
        raw.executemany(case_sql, cases)
        raw.executemany(ins_sql, insights)
        raw.execute("COMMIT")
        raw.execute("ANALYZE")
        (data_dir / "loaded").write_text("ok")
    today = timezone.localdate()
    scope = figures.make_scope(region="430200", date_from=today - dt.timedelta(days=90), date_to=today)
    n = Case.objects.filter(scope.case_filter()).count()
    t_top, found = common.timed(topics.find_topics, scope, repeat=1)
    t_base, _ = common.timed(lambda: list(Case.objects.filter(scope.case_filter()).values(
        "id", "channel", "region_path", "registered_at", "category__code", "last_rating")), repeat=1)
    ROWS.append(common.row("insights", "sqlite", f"topics over {n:,} cases", t_top, "s", baseline=t_base,
                           baseline_label="reading the rows", target=60, higher_is_better=False,
                           note=f"{len(found)} topics listed; top: {found[0]['title'] if found else '—'}"))


if __name__ == "__main__":
    if PART == "all":  # one process per part: each has its own database and Django settings
        import subprocess

        rest = [a for i, a in enumerate(ARGV) if a != "--part" and (i == 0 or ARGV[i - 1] != "--part")]
        status = 0
        for p in ("analyze", "receiver", "dups", "topics"):
            status |= subprocess.call([sys.executable, __file__, "--part", p, *rest])
        sys.exit(status)
    log(f"== insights: {PART}")
    globals()[f"part_{PART}"]()
    common.save(f"insights-{PART}", ROWS)
