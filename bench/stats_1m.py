"""`figures.compute()` over 1,000,000 cases, for the whole prefecture and for one township.

The fixture (bench/fixture.py) is generated once into bench/out/data-1m-sqlite/ or the
PostgreSQL database minqing_bench, and reused while it holds the expected number of cases.
Baseline, same run: a bare SELECT COUNT(*) over the same rows.
Targets: prefecture < 1 s, township < 200 ms.

    .venv/bin/python bench/stats_1m.py [--db sqlite|postgres] [--n 1000000] [--rounds 5]
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DB = common.arg_db()
N = common.arg_int("n", 1_000_000)
ROUNDS = common.arg_int("rounds", 5)
common.setup_django(DB, "1m", fresh=False)

import fixture  # noqa: E402
from django.db import connection  # noqa: E402

from minqing.insights import figures  # noqa: E402
from minqing.regions.models import Region  # noqa: E402


def ensure_fixture():
    fixture.ensure_stats_database(DB, N)


def count_sql(path):
    end = path[:-1] + chr(ord(path[-1]) + 1)
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM cases_case WHERE region_path >= %s AND region_path < %s", [path, end])
        return cur.fetchone()[0]


def measure(fn, *args):
    times, result = [], None
    for _ in range(ROUNDS):
        t = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), result


def main():
    ensure_fixture()
    city = Region.objects.get(code="430200000000")
    town = Region.objects.filter(level="township").order_by("code")[3]
    rows = []
    for label, region, target in (("prefecture", city, 1.0), ("township", town, 0.2)):
        scope = figures.make_scope(region=region.code)
        base_best, base_med, count = measure(count_sql, region.path)
        best, med, out = measure(figures.compute, scope)
        assert out["counts"]["intake"] <= count
        print(f"  {label}: {count} cases, intake {out['intake']}, completion {out['completion_rate']}, "
              f"satisfaction {out['satisfaction_rate']}; compute best {best * 1000:.0f} ms median {med * 1000:.0f} ms; "
              f"COUNT(*) best {base_best * 1000:.0f} ms", flush=True)
        rows.append(common.row("stats", DB, f"figures.compute(), {label} ({count:,} cases)", med, "s", base_med,
                               "bare COUNT(*)", target=target, higher_is_better=False,
                               note=f"median of {ROUNDS}; best {best * 1000:.0f} ms"))
    common.save(f"stats-{DB}", rows)


if __name__ == "__main__":
    main()
