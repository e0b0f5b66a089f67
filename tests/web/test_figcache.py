"""The page figures' cache: fresh while the data has not changed, recomputed once it
has (after FIGURES_MAX_STALE), except that a slow computation is served stale to pages
(with its time) while the worker's warm_pages job recomputes it."""

import pytest
from django.core.cache import cache

from minqing.cases.models import Case, Event
from minqing.web import figcache


@pytest.fixture
def conf(settings):
    cache.clear()

    def set_(**kw):
        settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), **kw}

    return set_


def _new_event():
    case = Case.objects.create(tracking_code=f"T{Event.objects.count():08d}", channel="web", kind="complaint", text="x")
    Event.objects.create(case=case, action="register", to_state="registered")


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"n": self.calls}


def test_recomputed_only_when_the_data_changed(db, conf):
    conf(FIGURES_MAX_STALE=0, FIGURES_SLOW=1000)
    f = Counter()
    assert figcache.cached_figures("k", f)[0] == {"n": 1}
    assert figcache.cached_figures("k", f)[0] == {"n": 1}
    _new_event()
    assert figcache.cached_figures("k", f)[0] == {"n": 2}


def test_a_slow_figure_is_served_stale_to_pages_and_refreshed_by_the_worker(db, conf, monkeypatch):
    conf(FIGURES_MAX_STALE=0, FIGURES_SLOW=0.0, FIGURES_MAX_SERVE_STALE=900)  # every computation counts as slow
    f = Counter()
    data, at = figcache.cached_figures("k", f)
    _new_event()
    # a page does not wait: it gets the older figures with their time …
    assert figcache.cached_figures("k", f) == (data, at)
    assert f.calls == 1
    # … the worker recomputes them …
    with figcache.refreshing():
        assert figcache.cached_figures("k", f)[0] == {"n": 2}
    # … and the page then sees the new ones
    assert figcache.cached_figures("k", f)[0] == {"n": 2}


@pytest.mark.parametrize("settings_", [
    {"FIGURES_SLOW": 0.0, "FIGURES_MAX_SERVE_STALE": 0},  # slow, but older than the serving limit
    {"FIGURES_SLOW": 1000, "FIGURES_MAX_SERVE_STALE": 900},  # fast: the page recomputes it
], ids=["stale-beyond-the-limit", "fast"])
def test_the_page_recomputes_changed_figures(db, conf, settings_):
    conf(FIGURES_MAX_STALE=0, **settings_)
    f = Counter()
    figcache.cached_figures("k", f)
    _new_event()
    assert figcache.cached_figures("k", f)[0] == {"n": 2}
