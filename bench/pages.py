"""Server time of the pages over the 1,000,000-case bench database.

Reuses bench/fixture.py's database (bench/out/data-1m-sqlite/, or the PostgreSQL
database minqing_bench), generating it once if it is missing; a database made
before the fixture carried the insight index (``CaseInsight`` and ``SearchGram``
rows, which the case lists' search reads) gets it added (``fixture.load_index``). Each page is
requested in-process through Django's test client (middleware, view, queries,
template rendering: the server's whole work, no network) as the person who would
open it. Baseline, same run: the tracking-code lookup page (no case query).
Target: every list page and the dashboard < 500 ms (median of the warm rounds).

The dashboard, the board's rates and the supervisor's summaries are figures
cached per data version (``minqing.web.figcache``; the worker's ``warm_pages``
job keeps them computed). The figure cache is emptied first, so each page's
first ("cold") request pays for computing them; it is reported too.

    .venv/bin/python bench/pages.py [--db sqlite|postgres] [--n 1000000] [--rounds 5]
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
TARGET = 0.5
common.setup_django(DB, "1m", fresh=False)

import fixture  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from minqing.cases.models import Case  # noqa: E402
from minqing.people.models import Membership  # noqa: E402
from minqing.regions.models import Department, Region  # noqa: E402


def ensure_fixture():
    fixture.ensure_stats_database(DB, N)


def person(name, role, region=None, department=None):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=f"bench_pages_{name}")
    Membership.objects.get_or_create(user=user, role=role, region=region, department=department)
    c = Client()
    c.force_login(user)
    return c


def measure(client, url):
    """(median of the warm rounds, best, queries, the first (cold) request's time)."""
    times, queries, status = [], 0, None
    for _ in range(ROUNDS + 1):  # the first round warms caches and is not counted
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            resp = client.get(url)
            times.append(time.perf_counter() - t)
        status, queries = resp.status_code, len(q)
        assert status == 200, (url, status)
    cold, times = times[0], times[1:]
    return statistics.median(times), min(times), queries, cold


def main():
    ensure_fixture()
    settings.ALLOWED_HOSTS = ["*"]
    city = Region.objects.get(code="430200000000")
    county = Region.objects.filter(level="county").order_by("code").first()
    town = Region.objects.filter(level="township").order_by("code")[3]
    busiest = (Case.objects.filter(lead_department__isnull=False, state="in_progress")
               .values("lead_department").annotate(n=Count("id")).order_by("-n").first())
    dept = Department.objects.get(pk=busiest["lead_department"])
    anon = Client()
    pages = [
        ("tracking lookup (baseline)", anon, "/t/"),
        ("public board, prefecture", anon, f"/board/{city.code}/"),
        ("public board, township", anon, f"/board/{town.code}/"),
        ("case list, city leader", person("leader", "leader", city), "/work/cases/"),
        ("case list, page 50", person("leader", "leader", city), "/work/cases/?page=50"),
        ("case list, search", person("leader", "leader", city), "/work/cases/?q=%E5%81%9C%E6%B0%B4"),
        ("case list, search + category", person("leader", "leader", city),
         "/work/cases/?q=%E5%81%9C%E6%B0%B4&category=water_supply"),
        # a word no case holds (before the full-text index: a newest-first walk over every case)
        ("case list, search, no match", person("leader", "leader", city), "/work/cases/?q=%E7%83%9F%E8%8A%B1%E7%88%86%E7%AB%B9"),
        ("dispatcher inbox, county", person("disp", "dispatcher", county), "/work/inbox/"),
        ("dispatcher open cases, county", person("disp", "dispatcher", county), "/work/inbox/?tab=open"),
        ("department desk, in progress", person("dept", "handler", None, dept), "/work/dept/?tab=doing"),
        ("return-visit desk, county", person("rv", "return_visitor", county), "/work/visits/"),
        ("supervisor red list, county", person("sup", "supervisor", county), "/work/supervise/"),
        ("dashboard, prefecture, 90 days", person("leader", "leader", city), "/dashboard/"),
        ("dashboard, township, 90 days", person("leader", "leader", city), f"/dashboard/?region={town.code}"),
        ("dashboard, prefecture, 1 year", person("leader", "leader", city),
         "/dashboard/?from=" + time.strftime("%Y-%m-%d", time.localtime(time.time() - 364 * 86400))),
    ]
    from django.core.cache import cache

    cache.clear()
    base, _best, _q, _cold = measure(anon, "/t/")
    rows = []
    for label, client, url in pages:
        med, best, queries, cold = measure(client, url)
        is_base = label.endswith("(baseline)")
        print(f"  {label:<34} median {med * 1000:7.1f} ms  best {best * 1000:7.1f} ms  first {cold * 1000:8.1f} ms"
              f"  {queries:3d} queries  {url}", flush=True)
        rows.append(common.row("pages", DB, label, med, "s", None if is_base else base, "tracking lookup page",
                               target=None if is_base else TARGET, higher_is_better=False,
                               note=f"median of {ROUNDS} warm; best {best * 1000:.0f} ms; first (cold) "
                                    f"{cold * 1000:.0f} ms; {queries} queries"))
    common.save(f"pages-{DB}", rows)


if __name__ == "__main__":
    main()
