"""The notice list (消息提醒) with 100,000 notices over a large case table.

Fixture (bench database "notices", built once and reused): N cases (default 1,000,000;
``--cases`` for a smaller table on a busy machine) written by bench/fixture.py, and
100,000 notices linked to random cases: half of them (50,000) to the measured
handler, the rest spread over 500 other people; a tenth of them unread.

Measured (median of ``--rounds`` warm runs each):

- the page's work: ``notices_of(user)`` first page (21 rows, text rendered) and the
  unread COUNT, as /work/notices/ does them;
- the page itself: GET /work/notices/ and ``?page=50`` through Django's test client
  (session, header badge, template);
- the API: GET /api/v1/notifications (count, unread, first 50) through the test client;
- the header's unread COUNT alone (every page pays it).

Baseline, same run: one case read by primary key, and a bare COUNT(*) of the user's notices.
Target: the notice list < 50 ms.

    .venv/bin/python bench/notices.py [--db sqlite|postgres] [--cases 1000000] [--rounds 20]
"""

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DB = common.arg_db()
N_CASES = common.arg_int("cases", 1_000_000)
N_NOTICES = 100_000
ROUNDS = common.arg_int("rounds", 20)
common.setup_django(DB, "notices", fresh=False)

import fixture  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from minqing.cases.models import Case  # noqa: E402
from minqing.notices import core as notices  # noqa: E402
from minqing.people.models import ApiToken, Membership, Notification  # noqa: E402
from minqing.regions.models import Department  # noqa: E402

KINDS = ["assigned", "summoned", "supervised", "red", "yellow", "reopened", "extension_decided", "returned"]


def build():
    if Case.objects.count() < N_CASES or not Region_exists():
        print(f"fixture: {N_CASES:,} cases …", flush=True)
        common.reset_database(DB, "notices")
        t = time.perf_counter()
        fixture.load(N_CASES, fixture.STATS_MIX, log=lambda m: print(m, flush=True), index=False)
        print(f"fixture: cases in {time.perf_counter() - t:.0f} s", flush=True)
    User = get_user_model()
    if Notification.objects.count() >= N_NOTICES:
        return User.objects.get(username="bench_handler")
    print(f"fixture: {N_NOTICES:,} notices …", flush=True)
    t = time.perf_counter()
    dept = Department.objects.order_by("id").first()
    me = User.objects.create_user("bench_handler", password="bench-pw-123")
    Membership.objects.create(user=me, role="handler", department=dept)
    others = User.objects.bulk_create([User(username=f"bench_other_{i}") for i in range(500)])
    Membership.objects.bulk_create([Membership(user=u, role="handler", department=dept) for u in others])
    rng = random.Random(7)
    max_case = Case.objects.order_by("-id").values_list("id", flat=True).first()
    now = timezone.now()
    rows = []
    for i in range(N_NOTICES):
        user = me if i % 2 == 0 else others[rng.randrange(len(others))]
        case_id = rng.randint(1, max_case)
        kind = KINDS[rng.randrange(len(KINDS))]
        at = now - timezone.timedelta(seconds=(N_NOTICES - i) * 60)
        rows.append(Notification(user=user, case_id=case_id, kind=kind, message="新交办案件", created_at=at,
                                 data={"code": f"MQ{case_id:010d}", "due": "2026-12-31"},
                                 read_at=None if rng.random() < 0.1 else at))
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=5000)
    ApiToken.objects.filter(user=me).delete()
    print(f"fixture: notices in {time.perf_counter() - t:.0f} s", flush=True)
    return me


def Region_exists():
    from minqing.regions.models import Region

    return Region.objects.filter(code="430200000000").exists()


def median_ms(fn, rounds=ROUNDS):
    fn()  # warm
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def analyze():
    """Planner statistics, as a deployment's autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite)
    has them; right after the bulk load PostgreSQL would guess 99 rows and sort every notice."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE people_notification")
        else:
            cur.execute("ANALYZE people_notification")


def main():
    me = build()
    analyze()
    _token, raw = ApiToken.issue(me, "bench")
    mine = Notification.objects.filter(user=me).count()
    print(f"{Case.objects.count():,} cases, {Notification.objects.count():,} notices ({mine:,} of the measured user, "
          f"{notices.unread_count(me):,} unread)", flush=True)
    some_case = Case.objects.order_by("id").values_list("id", flat=True)[N_CASES // 2]

    def page_work():
        rows = notices.with_text(list(notices.notices_of(me)[:21]))
        return notices.unread_count(me), rows

    def by_pk():
        return Case.objects.filter(pk=some_case).values_list("id", "state").first()

    def bare_count():
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM people_notification WHERE user_id = %s", [me.pk])
            return cur.fetchone()

    web = Client()
    web.force_login(me)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(client, url):
        def run():
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.status_code)
        return run

    nobody = get_user_model().objects.get_or_create(username="bench_nobody")[0]
    empty = Client()
    empty.force_login(nobody)
    base_pk = median_ms(by_pk)
    base_count = median_ms(bare_count)
    base_page = median_ms(get(empty, "/work/notices/"))
    figures = [
        ("list: first page + unread count", median_ms(page_work)),
        ("unread COUNT (header badge)", median_ms(lambda: notices.unread_count(me))),
        ("GET /work/notices/", median_ms(get(web, "/work/notices/"))),
        ("GET /work/notices/?page=50", median_ms(get(web, "/work/notices/?page=50"))),
        ("GET /work/notices/?unread=1", median_ms(get(web, "/work/notices/?unread=1"))),
        ("GET /api/v1/notifications", median_ms(get(api, "/api/v1/notifications"))),
        ("GET /api/v1/notifications?unread=1", median_ms(get(api, "/api/v1/notifications?unread=1"))),
    ]
    rows = [common.row("notices", DB, "baseline: one case by pk", base_pk, "s"),
            common.row("notices", DB, "baseline: COUNT(*) of the user's notices", base_count, "s"),
            common.row("notices", DB, "baseline: GET /work/notices/, no notices", base_page, "s")]
    for what, value in figures:
        page = what.startswith("GET")
        rows.append(common.row("notices", DB, what, value, "s", baseline=base_page if page else base_count,
                               baseline_label="same page, no notices" if page else "bare COUNT of the user's",
                               target=0.05, higher_is_better=False, note=f"{N_CASES:,} cases, {N_NOTICES:,} notices"))
    common.save(f"notices-{DB}", rows)


if __name__ == "__main__":
    main()
