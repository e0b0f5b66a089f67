"""figures.compute against a small world computed by hand: each rate with its
counts, merged and invalid cases left out, the date window, region,
department, channel and category filters, the department ranking, and the
same counts replayed from the event log."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from casebuild import register

from minqing.cases import actions
from minqing.insights import figures

TZ = ZoneInfo("Asia/Shanghai")


def T(day, hour=10):
    """A moment in November 2025 (Mon 10th: response deadline Tue 11th, 3-day deadline Thu 13th)."""
    return dt.datetime(2025, 11, day, hour, tzinfo=TZ)


@pytest.fixture
def small(world):
    w = world
    disp, water, roads, rv = w.actor("disp_zt"), w.actor("water"), w.actor("roads"), w.actor("rv_lk")
    c = {}
    # c1: on time all along, solved, satisfied 9 -> resolved
    c[1] = register(w, at=T(10))
    actions.assign(disp, c[1], department="lk-water", at=T(10))
    actions.accept(water, c[1], at=T(10, 15))
    actions.handle(water, c[1], result="修好了", disposition="solved", at=T(12))
    actions.visit_back(rv, c[1], rating="satisfied", score=9, at=T(13))
    # c2 (web): accepted late, handled late, explained, basically satisfied 6 -> closed, not resolved
    c[2] = register(w, at=T(10), channel="web")
    actions.assign(disp, c[2], department="lk-water", at=T(10))
    actions.accept(water, c[2], at=T(17))
    actions.handle(water, c[2], result="解释政策", disposition="explained", at=T(20))
    actions.visit_back(rv, c[2], rating="basically_satisfied", score=6, at=T(21))
    # c3 (龙船镇, roads): unsatisfied 2 -> reopened, handled again on the deadline day
    c[3] = register(w, at=T(10), region="430212102201", category="roads_transport")
    actions.assign(w.actor("disp_lk"), c[3], department="lk-roads", at=T(10))
    actions.accept(roads, c[3], at=T(11))
    actions.handle(roads, c[3], result="补了坑", disposition="solved", at=T(12))
    actions.visit_back(rv, c[3], rating="unsatisfied", score=2, at=T(13, 9))
    actions.accept(roads, c[3], at=T(13, 10))
    actions.handle(roads, c[3], result="重新铺路", disposition="solved", at=T(13, 16))
    # c4: registered only; c5 merged into it; c6 invalid
    c[4] = register(w, at=T(10))
    c[5] = register(w, at=T(10))
    actions.merge(disp, c[5], into=c[4].pk, at=T(10, 11))
    c[6] = register(w, at=T(10))
    actions.invalidate(disp, c[6], reason="广告", at=T(10, 11))
    # c7 (攸县, yx-water): assigned, never accepted
    c[7] = register(w, at=T(10), region="430223100001")
    actions.assign(w.actor("disp_yx"), c[7], department="yx-water", at=T(10))
    # c8: registered in October
    c[8] = register(w, at=dt.datetime(2025, 10, 20, 9, tzinfo=TZ))
    return c


def test_every_figure_and_its_counts(small):
    f = figures.compute()
    n = f["counts"]
    assert n["intake"] == 6  # merged and invalid left out
    assert (n["accepted_on_time"], n["assigned"]) == (2, 4)
    assert f["response_rate"] == 0.5
    assert (n["handled"], f["completion_rate"]) == (3, 0.5)
    assert (n["handled_on_time"], f["on_time_rate"]) == (2, round(2 / 3, 4))
    assert (n["resolved"], f["resolution_rate"]) == (1, round(1 / 6, 4))
    assert (n["satisfied_visits"], n["rated_visits"], f["satisfaction_rate"]) == (2, 3, round(2 / 3, 4))
    assert f["mean_score"] == round((9 + 6 + 2) / 3, 2)
    assert (n["reopened"], n["ever_handled"], f["reopen_rate"]) == (1, 3, round(1 / 3, 4))
    assert (n["closed"], n["open"]) == (2, 1)


def test_the_event_log_gives_the_same_counts(small):
    stored = figures.compute()["counts"]
    replayed = figures.from_events([c.pk for c in small.values()])
    assert {k: stored[k] for k in replayed} == replayed


def test_date_window(small):
    nov = figures.compute(figures.make_scope(date_from="2025-11-01"))
    assert nov["intake"] == 5 and nov["completion_rate"] == 0.6
    octo = figures.compute(figures.make_scope(date_from="2025-10-01", date_to="2025-10-31"))
    assert octo["intake"] == 1 and octo["completion_rate"] == 0.0 and octo["satisfaction_rate"] is None
    day = figures.compute(figures.make_scope(date_from="2025-11-10", date_to="2025-11-10"))
    assert day["intake"] == 5  # the end date counts whole, in local time
    assert figures.compute(figures.make_scope(date_to="2025-11-09"))["intake"] == 1


def test_region_filter(small):
    zt = figures.compute(figures.make_scope(region="430212101"))
    assert zt["intake"] == 4 and zt["completion_rate"] == 0.5 and zt["resolution_rate"] == 0.25
    assert zt["satisfaction_rate"] == 1.0 and zt["mean_score"] == 7.5 and zt["reopen_rate"] == 0.0
    county = figures.compute(figures.make_scope(region="430212"))
    assert county["intake"] == 5 and county["counts"]["reopened"] == 1
    assert figures.compute(figures.make_scope(region="430223"))["intake"] == 1


def test_department_channel_and_category_filters(small):
    roads = figures.compute(figures.make_scope(department="lk-roads"))
    assert roads["intake"] == 1 and roads["response_rate"] == 1.0 and roads["on_time_rate"] == 1.0
    assert roads["reopen_rate"] == 1.0 and roads["satisfaction_rate"] == 0.0 and roads["mean_score"] == 2.0
    web = figures.compute(figures.make_scope(channel="web"))
    assert web["intake"] == 1 and web["on_time_rate"] == 0.0 and web["response_rate"] == 0.0
    cat = figures.compute(figures.make_scope(category="roads_transport"))
    assert cat["intake"] == 1 and cat["counts"]["ever_handled"] == 1


def test_category_filter_includes_sub_categories(small, world):
    from minqing.cases.models import Category

    parent = Category.objects.get(code="water_supply")
    Category.objects.create(code="water_quality", name="水质", parent=parent)
    register(world, category="water_quality", at=T(10))
    # five live water_supply cases in the small world, and the one in the sub-category
    assert figures.compute(figures.make_scope(category="water_supply"))["intake"] == 6
    assert figures.compute(figures.make_scope(category="water_quality"))["intake"] == 1


def test_bad_scope_names_the_field(small):
    for kwargs, field in (({"region": "x"}, "region"), ({"department": "x"}, "department"),
                          ({"channel": "x"}, "channel"), ({"category": "x"}, "category"),
                          ({"date_from": "2025-13-01"}, "from"),
                          ({"date_from": "2025-11-02", "date_to": "2025-11-01"}, "from")):
        with pytest.raises(figures.FigureError) as err:
            figures.make_scope(**kwargs)
        assert err.value.field == field


def test_department_ranking(small):
    by_completion = figures.department_ranking()
    assert [(r["rank"], r["department"], r["completion_rate"]) for r in by_completion] == [
        (1, "lk-roads", 1.0), (2, "lk-water", 1.0), (3, "yx-water", 0.0)]
    by_satisfaction = figures.department_ranking(order_by="satisfaction_rate")
    assert [(r["department"], r["satisfaction_rate"]) for r in by_satisfaction] == [
        ("lk-water", 1.0), ("lk-roads", 0.0), ("yx-water", None)]
    water = [r for r in by_completion if r["department"] == "lk-water"][0]
    assert water["counts"]["intake"] == 2 and water["mean_score"] == 7.5
    county = figures.department_ranking(figures.make_scope(region="430223"))
    assert [r["department"] for r in county] == ["yx-water"]


def test_a_bounded_number_of_queries(small, django_assert_max_num_queries):
    scope = figures.make_scope(region="430212", date_from="2025-11-01", channel="hotline")
    with django_assert_max_num_queries(1):
        figures.compute(scope)
    with django_assert_max_num_queries(2):
        figures.department_ranking(scope)


def test_return_visit_counters_agree_with_the_visit_rows(small, world):
    """The counters visit_back keeps on each case are what the ReturnVisit rows say, and the
    migration's backfill (cases 0006) rebuilds them from those rows alone."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.models import Count, Q, Sum

    from minqing.cases.models import SATISFIED_RATINGS, Case, ReturnVisit

    actions.visit_back(world.actor("rv_lk"), small[3], reached=False, at=T(13, 18))  # not counted

    def from_rows():
        rows = ReturnVisit.objects.filter(reached=True).values("case_id").annotate(
            rated=Count("id", filter=~Q(rating="")), satisfied=Count("id", filter=Q(rating__in=SATISFIED_RATINGS)),
            scored=Count("id", filter=Q(score__isnull=False)), total=Sum("score", default=0),
        )
        return {r["case_id"]: (r["rated"], r["satisfied"], r["scored"], r["total"]) for r in rows}

    def stored():
        return {c[0]: tuple(c[1:]) for c in Case.objects.filter(rated_visits__gt=0).values_list(
            "pk", "rated_visits", "satisfied_visits", "scored_visits", "score_sum")}

    expected = from_rows()
    assert expected == {small[1].pk: (1, 1, 1, 9), small[2].pk: (1, 1, 1, 6), small[3].pk: (1, 0, 1, 2)}
    assert stored() == expected
    Case.objects.update(rated_visits=0, satisfied_visits=0, scored_visits=0, score_sum=0)
    migration = importlib.import_module("minqing.cases.migrations.0006_visit_counters")
    with connection.cursor() as cur:  # the backfill only runs SQL through the editor
        migration.backfill(None, SimpleNamespace(execute=cur.execute))
    assert stored() == expected
    assert figures.compute()["counts"]["satisfied_visits"] == 2


def test_empty_world_has_no_rates(world):
    f = figures.compute()
    assert f["intake"] == 0 and f["completion_rate"] is None and f["mean_score"] is None


@pytest.mark.parametrize("period", ["week", "month"])
def test_the_trend_partitions_the_scope(small, period):
    """Every case falls in one period: the periods' sums are compute()'s figures, and each
    period starts on a Monday (week) or the 1st (month), in order."""
    for scope in (figures.make_scope(), figures.make_scope(date_from="2025-10-01", date_to="2025-11-30"),
                  figures.make_scope(region="430212", date_from="2025-11-10", date_to="2025-11-10")):
        trend = figures.trend(scope, period)
        assert figures.combine(trend, scope) == figures.compute(scope)
        starts = [t["period"] for t in trend]
        assert starts == sorted(set(starts))
        assert all(d.weekday() == 0 if period == "week" else d.day == 1 for d in starts)
    months = figures.trend(figures.make_scope(), "month")
    assert [(t["period"].isoformat(), t["intake"]) for t in months] == [("2025-10-01", 1), ("2025-11-01", 5)]


def test_region_breakdown_sums_to_its_parent(small, world):
    from minqing.regions.models import Region

    parent = Region.objects.get(code="430212")
    scope = figures.make_scope()
    rows = figures.region_breakdown(scope, parent)
    assert {r["region"] for r in rows} == set(Region.objects.filter(parent=parent).values_list("code", flat=True))
    whole = figures.compute(figures.make_scope(region=parent))["counts"]
    # cases placed on the county itself belong to no child
    on_parent = figures.compute(figures.make_scope(region=parent))["counts"]["intake"] - sum(r["intake"] for r in rows)
    assert on_parent >= 0
    assert sum(r["counts"]["satisfied_visits"] for r in rows) <= whole["satisfied_visits"]


def test_red_and_yellow_are_live_from_the_deadline(small):
    """The alert counts follow each open case's deadline and today's cut-offs, whatever
    level the last sweep stored (the figures need not wait for a sweep)."""
    from minqing.cases.models import OPEN_STATES, Case
    from minqing.supervision.alerts import alert_level

    Case.objects.update(alert_level="green")
    open_cases = list(Case.objects.filter(state__in=OPEN_STATES))
    assert open_cases  # c3 (in progress, handled again → handled) and c7 (assigned) in the small world
    n = figures.compute()["counts"]
    assert n["red"] == sum(alert_level(c.deadline) == "red" for c in open_cases) >= 1
    assert n["yellow"] == sum(alert_level(c.deadline) == "yellow" for c in open_cases)


def test_a_redo_is_counted_against_its_own_deadline(world):
    """An unsatisfied return visit or a reopen gives the redo a new deadline (working days by
    mode from that day, recorded on the event); 按期办结率 counts the redo's answer against it,
    while the first answer's lateness stays in the history and the redo in 重办率."""
    from minqing.cases.models import Case, Event
    from minqing.regions.workdays import add_workdays
    from minqing.supervision.sweep import sweep

    w = world
    disp, water, rv = w.actor("disp_zt"), w.actor("water"), w.actor("rv_lk")
    # a: late the first time (deadline Thu 13th, handled Mon 17th), redo in time
    a = register(w, at=T(10))
    actions.assign(disp, a, department="lk-water", at=T(10))
    actions.accept(water, a, at=T(10, 15))
    sweep(dt.date(2025, 11, 14))  # overdue on Fri 14th
    actions.handle(water, a, result="修好了", disposition="solved", at=T(17))
    assert Case.objects.get(pk=a.pk).handled_on_time is False
    actions.visit_back(rv, a, rating="unsatisfied", score=3, at=T(18))
    row = Case.objects.get(pk=a.pk)
    assert row.deadline == dt.date(2025, 11, 21) == add_workdays(dt.date(2025, 11, 18), 3)  # Tue 18th + 3
    ev = Event.objects.filter(case=a, action="visit_back").last()
    assert (ev.data["deadline"], ev.data["old_deadline"]) == ("2025-11-21", "2025-11-13")
    assert figures.compute()["counts"]["handled"] == 0  # the redo is open again
    actions.accept(water, a, at=T(19))
    actions.handle(water, a, result="换了新管", disposition="solved", at=T(20))
    # b: in time the first time, reopened by the dispatcher once closed, its redo late
    b = register(w, at=T(10))
    actions.assign(disp, b, department="lk-water", mode="joint", at=T(10))  # 10 working days
    actions.accept(water, b, at=T(10, 15))
    actions.handle(water, b, result="修好了", disposition="solved", at=T(11))
    actions.visit_back(rv, b, rating="satisfied", score=9, at=T(12))
    actions.reopen(disp, b, reason="又坏了", at=T(24))  # Mon 24th + 10 working days = Mon 8 Dec
    row = Case.objects.get(pk=b.pk)
    assert row.deadline == dt.date(2025, 12, 8)
    assert Event.objects.filter(case=b, action="reopen").last().data["deadline"] == "2025-12-08"
    actions.accept(water, b, at=T(25))
    actions.handle(water, b, result="再修", disposition="solved", at=dt.datetime(2025, 12, 9, 10, tzinfo=TZ))

    f = figures.compute()
    n = f["counts"]
    assert (n["handled_on_time"], n["handled"], f["on_time_rate"]) == (1, 2, 0.5)
    assert (n["reopened"], n["ever_handled"], f["reopen_rate"]) == (2, 2, 1.0)
    assert Event.objects.filter(case=a, action="overdue").exists()  # the earlier overdue stays
    assert {k: n[k] for k in figures.from_events([a.pk, b.pk])} == figures.from_events([a.pk, b.pk])
