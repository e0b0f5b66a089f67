"""Every change to an archived report: claim it, store what was generated, record a failure.
Each writes its ``ReportEvent`` in the same transaction.

Several workers may try the same report at once: the row (period, region, start) is created
once (a unique constraint, ``ignore_conflicts``) and then claimed with one conditional UPDATE
(pending or failed, or a running claim older than the lease → running, by me): exactly one
claimant wins and generates; the others skip it."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import periods
from .models import Report, ReportEvent, Status


def lease():
    return dt.timedelta(seconds=int(getattr(settings, "MINQING_CLAIM_LEASE_SECONDS", 600)))


def do_claim_report(period, region, start, worker, now=None):
    """The report row for (period, region, the period starting ``start``), claimed by ``worker``;
    None when it is done or another claimant holds it."""
    now = now or timezone.now()
    w = periods.window(period, start)
    Report.objects.bulk_create([Report(period=period, region=region, start=w.start, end=w.end)],
                               ignore_conflicts=True)
    row = Report.objects.only("pk").get(period=period, region=region, start=w.start)
    with transaction.atomic():
        won = Report.objects.filter(pk=row.pk).filter(
            Q(status__in=[Status.PENDING, Status.FAILED]) | Q(status=Status.RUNNING, claimed_at__lt=now - lease())
        ).update(status=Status.RUNNING, claimed_by=worker[:100], claimed_at=now) == 1
        if won:
            ReportEvent.objects.create(report_id=row.pk, action="claim", worker=worker[:100], at=now)
    return Report.objects.defer("docx", "pdf", "xlsx").get(pk=row.pk) if won else None


def do_store_report(report, files, worker, user=None):
    """The generated files of a claimed report; refused (False) if the claim was lost meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        ok = Report.objects.filter(pk=report.pk, status=Status.RUNNING, claimed_by=worker[:100]).update(
            status=Status.DONE, generated_at=now, error="", **{f: files.get(f) for f in ("docx", "pdf", "xlsx")}) == 1
        if ok:
            ReportEvent.objects.create(report_id=report.pk, action="generate", worker=worker[:100], by=user, at=now,
                                       data={"sizes": {k: len(v) for k, v in files.items() if v}})
    return ok


def do_fail_report(report, worker, error):
    with transaction.atomic():
        Report.objects.filter(pk=report.pk, status=Status.RUNNING, claimed_by=worker[:100]).update(
            status=Status.FAILED, error=str(error)[:500])
        ReportEvent.objects.create(report_id=report.pk, action="fail", worker=worker[:100],
                                   data={"error": str(error)[:500]})


def generate_archived(period, region, start, worker, user=None, formats=("docx", "pdf", "xlsx")):
    """Claim and generate one archived report (every format). Returns the Report, or None when
    another claimant had it or it was already done."""
    from .render import Document

    report = do_claim_report(period, region, start, worker)
    if report is None:
        return None
    try:
        doc = Document(region, periods.window(period, start))
        files = {f: doc.render(f) for f in formats}
    except Exception as e:
        do_fail_report(report, worker, f"{type(e).__name__}: {e}")
        raise
    return report if do_store_report(report, files, worker, user) else None
