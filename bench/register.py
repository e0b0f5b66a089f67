"""Registration throughput, in one process, on a fresh database:

1. through the actions layer (``actions.register``: validation, lookups by code,
   tracking code, the case, its event, the event signal's receivers);
2. baseline: bare ORM inserts of the same case and event rows, one transaction each;
3. baseline: the raw database driver (sqlite3 / psycopg) doing the same two INSERTs,
   one transaction each.

Target: (1) keeps at least 50 % of (2)'s rate.

    .venv/bin/python bench/register.py [--db sqlite|postgres] [--n 2000]
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DB = common.arg_db()
N = common.arg_int("n", 2000)
ROUNDS = common.arg_int("rounds", 3)

common.setup_django(DB, "reg", fresh=True)

import fixture  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from minqing.cases import actions  # noqa: E402
from minqing.cases.models import Case, Category, Event  # noqa: E402
from minqing.people.scoping import Actor  # noqa: E402

TEXTS = ["朱亭村三组停水两天了，老人孩子喝水都成问题。", "渌湘大道路面坑洼，下雨积水，电动车摔倒好几次。",
         "小区物业不作为，垃圾几天不清运。", "路灯坏了一大半，晚上出行不安全。"]


def world():
    v, t, user = common.township_world("bench_disp")
    return v, t, Actor.for_user(user)


VILLAGE, TOWNSHIP, ACTOR = world()
CATEGORY = Category.objects.get(code="water_supply")


def payload(i):
    return dict(text=TEXTS[i % 4] + f"（第{i}件）", channel="hotline", kind="complaint", category="water_supply",
                region=VILLAGE.code, address="渌口区朱亭镇朱亭村", reporter_name="王建国", reporter_phone="13812345678")


def via_actions(n):
    for i in range(n):
        actions.register(ACTOR, **payload(i))


def via_actions_auto(n):
    """The actions layer without a category: the classifier decides at registration
    (``CATEGORY_AUTO_THRESHOLD``), a ``categorize`` event when it is sure enough."""
    for i in range(n):
        p = payload(i)
        p["category"] = None
        actions.register(ACTOR, **p)


def via_actions_alone(n):
    """The actions layer with the event signal's receivers (other apps' outbox and index rows) detached:
    shows how much of the registration is the actions layer itself."""
    from minqing.cases.signals import event_recorded

    saved = event_recorded.receivers
    event_recorded.receivers = []
    event_recorded.sender_receivers_cache.clear()
    try:
        via_actions(n)
    finally:
        event_recorded.receivers = saved
        event_recorded.sender_receivers_cache.clear()


def case_fields(i, now):
    p = payload(i)
    return dict(
        tracking_code=actions.new_tracking_code(), external_id="", channel=p["channel"], kind=p["kind"],
        text=p["text"], category_id=CATEGORY.pk, region_id=VILLAGE.pk, region_path=VILLAGE.path,
        owner_region_id=TOWNSHIP.pk, address=p["address"], reporter_name=p["reporter_name"],
        reporter_phone=p["reporter_phone"], anonymous=False, created_by_id=ACTOR.user.pk, registered_at=now,
    )


def via_orm(n):
    for i in range(n):
        now = timezone.now()
        with transaction.atomic():
            case = Case.objects.create(**case_fields(i, now))
            Event.objects.create(case=case, action="register", from_state="", to_state="registered",
                                 actor_id=ACTOR.user.pk, actor_label=ACTOR.label, at=now, data={"channel": "hotline"})


CASE_COLS = fixture.case_columns(with_pk=False)  # every column with the value Django writes by default
EVENT_COLS = ["case_id", "action", "from_state", "to_state", "actor_id", "actor_label", "at", "note", "data", "public"]


def raw_rows(i):
    now = dt.datetime.now(dt.UTC)
    given = case_fields(i, now)
    case = []
    for _col, attname, default in CASE_COLS:
        value = given.get(attname, default)
        if attname == "updated_at":
            value = now
        case.append(value)
    event = ["register", "", "registered", ACTOR.user.pk, ACTOR.label, now, "", json.dumps({"channel": "hotline"}), True]
    return case, event


def via_raw_sqlite(n):
    import sqlite3

    path = connection.settings_dict["NAME"]
    conn = sqlite3.connect(path, isolation_level=None, timeout=20)
    for pragma in connection.settings_dict["OPTIONS"]["init_command"].split(";"):
        if pragma.strip():
            conn.execute(pragma)

    def conv(v):
        if isinstance(v, dt.datetime):
            return v.replace(tzinfo=None).isoformat(" ")
        if isinstance(v, bool):
            return int(v)
        return v

    case_sql = "INSERT INTO cases_case ({}) VALUES ({})".format(
        ", ".join(c for c, _a, _d in CASE_COLS), ", ".join("?" for _ in CASE_COLS))
    event_sql = "INSERT INTO cases_event ({}) VALUES ({})".format(", ".join(EVENT_COLS), ", ".join("?" for _ in EVENT_COLS))
    for i in range(n):
        case, event = raw_rows(i)
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(case_sql, [conv(v) for v in case])
        conn.execute(event_sql, [cur.lastrowid] + [conv(v) for v in event])
        conn.execute("COMMIT")
    conn.close()


def via_raw_postgres(n):
    import psycopg

    s = connection.settings_dict
    conn = psycopg.connect(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"],
                           dbname=s["NAME"])
    case_sql = "INSERT INTO cases_case ({}) VALUES ({}) RETURNING id".format(
        ", ".join(c for c, _a, _d in CASE_COLS), ", ".join("%s" for _ in CASE_COLS))
    event_sql = "INSERT INTO cases_event ({}) VALUES ({})".format(", ".join(EVENT_COLS), ", ".join("%s" for _ in EVENT_COLS))
    with conn:
        for i in range(n):
            case, event = raw_rows(i)
            with conn.transaction():
                case_id = conn.execute(case_sql, case).fetchone()[0]
                conn.execute(event_sql, [case_id] + event)
    conn.close()


def main():
    raw = via_raw_sqlite if DB == "sqlite" else via_raw_postgres
    methods = {"actions": via_actions, "auto": via_actions_auto, "alone": via_actions_alone, "orm": via_orm, "raw": raw}
    for fn in methods.values():  # warm up caches, prepared plans, imports
        fn(50)
    best = {k: 0.0 for k in methods}
    for r in range(ROUNDS):  # interleaved rounds; the best rate of each counts (the machine is shared)
        for name, fn in methods.items():
            t = time.perf_counter()
            fn(N)
            rate = N / (time.perf_counter() - t)
            best[name] = max(best[name], rate)
            print(f"  round {r + 1} {name:8} {rate:8.0f} registrations/s", flush=True)
    expected = (ROUNDS * N + 50) * len(methods)
    assert Case.objects.count() == expected == Event.objects.filter(action="register").count(), "rows missing"
    rows = [
        common.row("register", DB, "actions layer, registrations/s", best["actions"], "/s", best["orm"], "bare ORM"),
        common.row("register", DB, "actions layer ÷ bare ORM", best["actions"] / best["orm"], "ratio", target=0.5),
        common.row("register", DB, "actions, no category (classifier decides)", best["auto"], "/s", best["actions"],
                   "actions with a category"),
        common.row("register", DB, "actions, event receivers detached", best["alone"], "/s", best["orm"], "bare ORM",
                   note="the outbox (webhooks) and pending-index (insights) rows other apps add to each registration"),
        common.row("register", DB, "bare ORM (case+event, 1 txn each)", best["orm"], "/s", best["raw"], "raw driver"),
        common.row("register", DB, "raw driver (case+event, 1 txn each)", best["raw"], "/s"),
    ]
    common.save(f"register-{DB}", rows)


if __name__ == "__main__":
    main()
