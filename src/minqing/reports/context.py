"""What every section reads: the region, the period, 环比 and 同比 windows, and the figures
of ``minqing.insights.figures`` (the functions ``/api/v1/stats`` answers from), cached."""

from dataclasses import dataclass, field

from django.utils import timezone

from minqing.insights import figures

from . import periods


@dataclass
class Context:
    region: object
    window: periods.Window
    today: object = None
    _cache: dict = field(default_factory=dict)

    def __post_init__(self):
        self.today = self.today or timezone.localdate()
        self.prev = periods.previous(self.window)
        self.yago = periods.year_ago(self.window)

    @property
    def windows(self):
        """(this period, 环比's, 同比's)"""
        return (self.window, self.prev, self.yago)

    def scope(self, w, **kw):
        return figures.make_scope(region=self.region, date_from=w.start, date_to=w.end, **kw)

    def _cached(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def figs(self, w):
        """/api/v1/stats?region=…&from=…&to=…"""
        return self._cached(("figs", w), lambda: figures.compute(self.scope(w)))

    def breakdown(self, w, field_name):
        return self._cached(("bd", w, field_name), lambda: figures.breakdown(self.scope(w), field_name))

    def ranking(self, w, order_by="completion_rate"):
        """/api/v1/stats/departments?region=…&from=…&to=…&order_by=…"""
        return self._cached(("rank", w, order_by), lambda: figures.department_ranking(self.scope(w), order_by))

    def visit_scope(self, w):
        return figures.make_visit_scope(self.region, w.start, w.end)

    def coverage(self, w):
        """/api/v1/coverage?region=…&from=…&to=… (visit_coverage and participation_rate)."""
        def run():
            vs = self.visit_scope(w)
            return {"visit_coverage": figures.visit_coverage(vs, by_tag=False, recency=False, never_limit=0),
                    "participation_rate": figures.participation(vs)}
        return self._cached(("cov", w), run)


def dig(d, dotted):
    """figs["counts"]["red"] from "counts.red"."""
    for part in dotted.split("."):
        d = d.get(part) if isinstance(d, dict) else None
    return d
