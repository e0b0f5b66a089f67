"""A caller's history by phone (the intake desk, ``GET /api/v1/cases?phone=``) over 1,000,000 cases.

The 1,000,000-case fixture of bench/fixture.py (the database "1m" that stats_1m.py and pages.py
use: bench/out/data-1m-sqlite/ or the PostgreSQL database minqing_bench), built on the first run
without its insight index (this bench does not read it; stats_1m.py adds it when it needs it) and
reused afterwards. Every fixture case with a phone has its own number ("138" + 8 digits).

Measured, each over --lookups random numbers typed the way people type them ("138 0012 3456",
"+86-138…", "138-0012-3456"), median and p95:
  * lookup, whole scope: ``cases_by_phone`` over every case, the desk's first page (11 rows)
  * lookup, county operator: the same within an operator's scope (``visible_cases``)
  * API: ``GET /api/v1/cases?phone=…`` in process (Django test client, bearer token of that
    operator): scoping, the count, the page and its JSON
Baseline, same run: one case by primary key (a bare indexed SELECT through the ORM). For scale,
a few lookups of the same expression with the index not used (SQLite ``NOT INDEXED``).
Target: < 50 ms (p95 of the API answer).

    .venv/bin/python bench/phone_lookup.py [--db sqlite|postgres] [--n 1000000] [--lookups 300]
"""

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DB = common.arg_db()
N = common.arg_int("n", 1_000_000)
LOOKUPS = common.arg_int("lookups", 300)
common.setup_django(DB, "1m", fresh=False)

import fixture  # noqa: E402
from django.db import connection  # noqa: E402

from minqing.cases.models import Case  # noqa: E402
from minqing.cases.phones import cases_by_phone  # noqa: E402
from minqing.people.scoping import Actor, visible_cases  # noqa: E402
from minqing.regions.models import Region  # noqa: E402

TARGET = 0.050
SPELLINGS = ["{a} {b} {c}", "+86-{a}-{b}-{c}", "{a}-{b}-{c}", "{a}{b}{c}", "+86 {a}{b}{c}"]


def ensure_fixture():
    if Case.objects.count() >= N and Region.objects.filter(code="430200000000").exists():
        print(f"fixture: {Case.objects.count():,} cases in the {DB} bench database")
        return
    print(f"fixture: generating {N} cases into the {DB} bench database …", flush=True)
    common.reset_database(DB, "1m")
    t = time.perf_counter()
    fixture.load(N, fixture.STATS_MIX, log=lambda m: print(m, flush=True), index=False)
    print(f"fixture: done in {time.perf_counter() - t:.0f} s", flush=True)


def operator():
    from django.contrib.auth import get_user_model

    from minqing.people.models import ApiToken, Membership

    county = Region.objects.filter(level="county").order_by("code").first()
    user, _ = get_user_model().objects.get_or_create(username="bench_operator")
    Membership.objects.get_or_create(user=user, role="operator", region=county)
    ApiToken.objects.filter(user=user).delete()
    _, raw = ApiToken.issue(user, "bench")
    return Actor.for_user(user), raw, county


def stats(times):
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def measure(fn, args):
    times = []
    for a in args:
        t = time.perf_counter()
        fn(a)
        times.append(time.perf_counter() - t)
    return stats(times)


def main():
    ensure_fixture()
    rng = random.Random(7)
    with_phone = list(Case.objects.exclude(reporter_phone="").values_list("reporter_phone", flat=True)
                      .filter(pk__in=[rng.randrange(1, N + 1) for _ in range(LOOKUPS * 2)])[:LOOKUPS])
    numbers = []
    for i, p in enumerate(with_phone):
        numbers.append(SPELLINGS[i % len(SPELLINGS)].format(a=p[:3], b=p[3:7], c=p[7:]))
    pks = [rng.randrange(1, N + 1) for _ in range(LOOKUPS)]
    actor, token, county = operator()
    Actor.system("bench")
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def by_pk(pk):
        return list(Case.objects.filter(pk=pk))

    def lookup_all(number):
        return list(cases_by_phone(Case.objects.all(), number)[:11])

    def lookup_scoped(number):
        return list(cases_by_phone(visible_cases(actor, Case.objects.all()), number)[:11])

    def api(number):
        r = client.get("/api/v1/cases", {"phone": number})
        assert r.status_code == 200, r.content[:200]
        return r

    # warm: the first query of a connection, the URL resolver, the token
    for fn, a in ((by_pk, pks[0]), (lookup_all, numbers[0]), (lookup_scoped, numbers[0]), (api, numbers[0])):
        fn(a)
    found = sum(1 for n in numbers if lookup_all(n))
    in_scope = sum(1 for n in numbers if lookup_scoped(n))
    base_med, base_p95 = measure(by_pk, pks)
    rows = []
    for what, fn in (("lookup, whole scope", lookup_all), (f"lookup, {county.name} operator", lookup_scoped),
                     ("GET /api/v1/cases?phone= (operator)", api)):
        med, p95 = measure(fn, numbers)
        rows.append(common.row("phone", DB, f"{what}, median", med, "s", base_med, "case by pk, median"))
        rows.append(common.row("phone", DB, f"{what}, p95", p95, "s", base_p95, "case by pk, p95",
                               target=TARGET, higher_is_better=False))
    if connection.vendor == "sqlite":
        from minqing.cases.phones import normalize_phone

        sql = ("SELECT id FROM cases_case NOT INDEXED WHERE REPLACE(REPLACE(REPLACE(reporter_phone, '-', ''), ' ', ''), "
               "'+86', '') = %s")

        def scan(number):
            with connection.cursor() as cur:
                cur.execute(sql, [normalize_phone(number)])
                return cur.fetchall()

        med, _p95 = measure(scan, numbers[:3])
        rows.append(common.row("phone", DB, "same lookup without the index (3 runs), median", med, "s", base_med,
                               "case by pk, median"))
    print(f"{len(numbers)} numbers: {found} found in all cases, {in_scope} in the {county.name} operator's scope")
    common.save(f"phone_lookup-{DB}", rows)


if __name__ == "__main__":
    main()
