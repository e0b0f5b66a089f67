"""Full-text search that finds two-character words, in the caller's scope."""

from minqing.cases.models import Case
from minqing.insights import search

from .conftest import call, register


def test_two_character_words_and_longer_ones(world):
    a = register(world, "朱亭村停水三天了", region="430212101201")
    b = register(world, "有人占用消防通道", region="430212101201")
    register(world, "水停了", region="430212101201")  # same characters, other order
    qs = Case.objects.all()
    assert list(search.filter_cases(qs, "停水")) == [a]
    assert list(search.filter_cases(qs, "占用")) == [b]
    assert list(search.filter_cases(qs, "消防通道")) == [b]
    assert list(search.filter_cases(qs, "停水 三天")) == [a]
    assert list(search.filter_cases(qs, "停水 通道")) == []
    assert list(search.filter_cases(qs, "停")) != []  # one character: a substring check


def test_traditional_query_and_address(world):
    a = register(world, "路燈不亮", region="430212101201", address="朱亭镇老街12号")
    qs = Case.objects.all()
    assert list(search.filter_cases(qs, "路灯")) == [a]
    assert list(search.filter_cases(qs, "路燈")) == [a]
    assert list(search.filter_cases(qs, "老街")) == [a]


def test_api_search_scope_and_errors(world):
    register(world, "朱亭村停水三天了", region="430212101201", reporter_name="张三", reporter_phone="13812340000")
    register(world, "城东社区停水", actor="disp_yx", region="430223100001")
    r = call(world, "disp_lk", "get", "/api/v1/insights/search?q=停水")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["total"] == 1 and "停水" in body["results"][0]["snippet"]
    r = call(world, "admin", "get", "/api/v1/insights/search?q=停水")
    assert r.json()["total"] == 2
    # a cadre of the township sees the case, with the reporter masked
    r = call(world, "cadre_zt", "get", "/api/v1/insights/search?q=停水")
    item = r.json()["results"][0]
    assert "13812340000" not in str(item)
    r = call(world, "disp_lk", "get", "/api/v1/insights/search?q=%20")
    assert r.status_code == 422 and r.json()["field"] == "q"
    r = call(world, "disp_lk", "get", "/api/v1/insights/search?q=停水&page_size=1000")
    assert r.status_code == 422 and r.json()["field"] == "page_size"
    assert call(world, None, "get", "/api/v1/insights/search?q=停水").status_code == 401


def test_rare_and_common_bigrams_find_the_same_cases(world, monkeypatch):
    a = register(world, "朱亭村停水三天了", region="430212101201")
    b = register(world, "龙船村也停水了", region="430212101201")
    register(world, "水停了", region="430212101201")
    qs = Case.objects.order_by("id")
    listed = [list(search.filter_cases(qs, q)) for q in ("停水", "停水 三天", "村 停水", "停水 通道")]
    assert listed == [[a, b], [a], [a, b], []]
    monkeypatch.setattr(search, "FEW", 0)  # every bigram common: the list is walked
    assert [list(search.filter_cases(qs, q)) for q in ("停水", "停水 三天", "村 停水", "停水 通道")] == listed


def test_a_search_indexes_a_bounded_number_of_queued_cases(world, monkeypatch):
    from minqing.insights.models import CaseInsight, PendingIndex

    monkeypatch.setattr(search, "CATCH_UP_LIMIT", 2)
    monkeypatch.setattr(search, "PENDING_SCAN", 2)
    cases = [register(world, f"第{i}件：路灯不亮", region="430212101201") for i in range(6)]
    assert PendingIndex.objects.count() == 6
    found = set(search.filter_cases(Case.objects.all(), "路燈"))
    # the two oldest queued are indexed; the two newest still queued are matched by their text;
    # the two in between wait for the worker
    assert set(CaseInsight.objects.values_list("case_id", flat=True)) == {cases[0].pk, cases[1].pk}
    assert found == {cases[0], cases[1], cases[4], cases[5]}
    assert PendingIndex.objects.count() == 4
    assert set(search.filter_cases(Case.objects.all(), "停水")) == set()
    monkeypatch.setattr(search, "CATCH_UP_LIMIT", 100)
    assert set(search.filter_cases(Case.objects.all(), "路灯")) == set(cases)
