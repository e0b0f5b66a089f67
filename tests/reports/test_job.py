"""The worker job ``reports``: each ended period's report generated once, however many workers run."""

import datetime as dt

import pytest
from django.utils import timezone
from test_concurrency import race

from minqing.regions.models import Region
from minqing.reports import jobs, periods
from minqing.reports.actions import generate_archived
from minqing.reports.models import Report, ReportEvent, Status


def test_two_workers_at_once_make_one_report(trworld):
    region = Region.objects.get(code="430200")
    start = trworld.month.start
    out = {}

    def make(name):
        def act(_):
            out[name] = generate_archived("month", region, start, name, formats=("xlsx", "docx"))
        return (lambda: None, act)

    results = race(make("w1"), make("w2"))
    assert results == ["ok", "ok"]
    winners = [k for k, v in out.items() if v is not None]
    assert len(winners) == 1, out
    rep = Report.objects.get(period="month", region=region, start=start)
    assert rep.status == Status.DONE and rep.claimed_by == winners[0]
    assert bytes(rep.xlsx)[:2] == b"PK" and bytes(rep.docx)[:2] == b"PK" and rep.pdf is None
    assert list(ReportEvent.objects.filter(report=rep).values_list("action", flat=True)) == ["claim", "generate"]
    # done: nobody makes it again
    assert generate_archived("month", region, start, "w3", formats=("xlsx",)) is None


def test_two_job_runs_at_once_make_each_ended_period_once(trworld, settings):
    settings.MINQING_REPORT_LEVELS = ["city"]
    today = timezone.localdate()
    assert len(jobs.due(today)) == 4  # week, month, quarter, year of 株洲市

    results = race((lambda: None, lambda _: jobs.run(today, limit=4)), (lambda: None, lambda _: jobs.run(today, limit=4)))
    assert results == ["ok", "ok"]
    reports = list(Report.objects.order_by("period"))
    assert sorted(r.period for r in reports) == sorted(periods.PERIODS)
    for r in reports:
        w = periods.last_ended(r.period, today)
        assert (r.start, r.end, r.status) == (w.start, w.end, Status.DONE), r
        assert r.end < today
        assert ReportEvent.objects.filter(report=r, action="generate").count() == 1
        assert ReportEvent.objects.filter(report=r, action="claim").count() == 1
    assert jobs.due(today) == []
    assert jobs.run(today).startswith("0 generated")


def test_a_stale_claim_is_taken_over_and_a_failure_recorded(trworld, settings, monkeypatch):
    from minqing.reports import actions

    region = Region.objects.get(code="430212")
    start = trworld.month.start
    held = actions.do_claim_report("month", region, start, "dead-worker")
    assert held is not None
    assert actions.do_claim_report("month", region, start, "other") is None  # held, within the lease
    Report.objects.filter(pk=held.pk).update(claimed_at=timezone.now() - dt.timedelta(hours=1))
    monkeypatch.setattr("minqing.reports.render.to_xlsx", lambda doc: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        generate_archived("month", region, start, "next", formats=("xlsx",))
    rep = Report.objects.get(pk=held.pk)
    assert rep.status == Status.FAILED and "disk full" in rep.error and rep.claimed_by == "next"
    monkeypatch.undo()
    assert generate_archived("month", region, start, "again", formats=("xlsx",)) is not None
    # the dead worker's late store is refused: the claim is no longer its own
    assert actions.do_store_report(held, {"xlsx": b"late"}, "dead-worker") is False
    assert bytes(Report.objects.get(pk=held.pk).xlsx)[:2] == b"PK"


def test_the_job_is_registered(settings):
    assert any(name == "reports" and path == "minqing.reports.jobs.run" for name, _i, path in settings.MINQING_WORKER_JOBS)
