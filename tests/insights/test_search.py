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
