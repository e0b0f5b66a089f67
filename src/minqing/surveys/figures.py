"""The survey's figures, from one definition: per department and overall — sampled, reached,
unreached, pending, mean score, satisfaction rate, the three questions' means — and beside
them the handlers' own return-visit satisfaction for the same cases (the gap is the point).

满意率 here: responses satisfied / reached responses (yes/no asked of everyone reached).
The return-visit side is DOMAIN.md's: visits rated 满意 or 基本满意 / visits with a rating,
read from the cases' counters (``Case.rated_visits`` …) so no visit row is joined.

Sampled registered subjects (households, enterprises) have no department and no return
visit: they are a block of their own (``subjects``); the departments and ``overall`` are the
cases' alone."""

import datetime as dt

from django.db.models import Count, Q, Sum
from django.utils import timezone

from minqing.insights.figures import region_prefix_q
from minqing.regions.models import Department

from .actions import QUESTIONS
from .models import SurveyItem, SurveyResponse


def _rate(num, den):
    return round(num / den, 4) if den else None


def _mean(total, n):
    return round(total / n, 2) if n else None


COUNTS = ("sampled", "answered", "reached", "unreached", "satisfied", "scored", "score_sum",
          *[f"{q}_n" for q in QUESTIONS], *[f"{q}_sum" for q in QUESTIONS],
          "rv_rated", "rv_satisfied", "rv_scored", "rv_score_sum")


def _aggregates():
    """Counts over SurveyItem rows, joined to their response and case."""
    r = "response__"
    out = {
        "sampled": Count("id"),
        "answered": Count(f"{r}id"),
        "reached": Count(f"{r}id", filter=Q(**{f"{r}reached": True})),
        "unreached": Count(f"{r}id", filter=Q(**{f"{r}reached": False})),
        "satisfied": Count(f"{r}id", filter=Q(**{f"{r}reached": True, f"{r}satisfied": True})),
        "scored": Count(f"{r}score"),
        "score_sum": Sum(f"{r}score"),
        "rv_rated": Sum("case__rated_visits"),
        "rv_satisfied": Sum("case__satisfied_visits"),
        "rv_scored": Sum("case__scored_visits"),
        "rv_score_sum": Sum("case__score_sum"),
    }
    for q in QUESTIONS:
        out[f"{q}_n"] = Count(f"{r}{q}")
        out[f"{q}_sum"] = Sum(f"{r}{q}")
    return out


SUBJECT_COUNTS = ("sampled", "answered", "reached", "unreached", "satisfied", "scored", "score_sum")


def _subject_aggregates():
    return {k: v for k, v in _aggregates().items() if k in SUBJECT_COUNTS}


def subject_rates(c):
    """The figures of the sampled subjects: sampled, reached, satisfied, satisfaction rate
    (satisfied / reached) and mean score."""
    c = {k: c.get(k) or 0 for k in SUBJECT_COUNTS}
    return {
        "sampled": c["sampled"],
        "reached": c["reached"],
        "unreached": c["unreached"],
        "pending": c["sampled"] - c["answered"],
        "satisfied": c["satisfied"],
        "satisfaction_rate": _rate(c["satisfied"], c["reached"]),
        "mean_score": _mean(c["score_sum"], c["scored"]),
        "counts": c,
    }


def rates(c):
    """The figures of one block of counts (a department, or everything)."""
    c = {k: c.get(k) or 0 for k in COUNTS}
    sat = _rate(c["satisfied"], c["reached"])
    rv_sat = _rate(c["rv_satisfied"], c["rv_rated"])
    mean = _mean(c["score_sum"], c["scored"])
    rv_mean = _mean(c["rv_score_sum"], c["rv_scored"])
    return {
        "sampled": c["sampled"],
        "reached": c["reached"],
        "unreached": c["unreached"],
        "pending": c["sampled"] - c["answered"],
        "reach_rate": _rate(c["reached"], c["answered"]),
        "satisfied": c["satisfied"],
        "satisfaction_rate": sat,
        "mean_score": mean,
        "questions": {q: _mean(c[f"{q}_sum"], c[f"{q}_n"]) for q in QUESTIONS},
        "return_visit": {"rated": c["rv_rated"], "satisfied": c["rv_satisfied"], "satisfaction_rate": rv_sat,
                         "mean_score": rv_mean},
        "gap": {"satisfaction_rate": round(sat - rv_sat, 4) if sat is not None and rv_sat is not None else None,
                "mean_score": round(mean - rv_mean, 2) if mean is not None and rv_mean is not None else None},
        "counts": c,
    }


def results(survey):
    """``GET /api/v1/surveys/{id}/results``: per department (the stratum each case was drawn
    from) and overall; two queries."""
    rows = list(SurveyItem.objects.filter(survey=survey, case__isnull=False).values("department_id")
                .annotate(**_aggregates()).order_by("department_id"))
    depts = Department.objects.in_bulk([r["department_id"] for r in rows if r["department_id"]])
    total = dict.fromkeys(COUNTS, 0)
    departments = []
    for r in rows:
        dept = depts.get(r.pop("department_id"))
        for k in COUNTS:
            total[k] += r.get(k) or 0
        item = rates(r)
        item.update({"department": dept.code if dept else None, "name": dept.name if dept else ""})
        departments.append(item)
    departments.sort(key=lambda i: (i["department"] or ""))
    return {"survey": survey.pk, "region": survey.region.code, "from": survey.date_from.isoformat(),
            "to": survey.date_to.isoformat(), "overall": rates(total), "departments": departments,
            "subjects": subject_rates(SurveyItem.objects.filter(survey=survey, subject__isnull=False)
                                      .aggregate(**_subject_aggregates()))}


def survey_figures(region=None, start=None, end=None):
    """The dashboard's separate figure: survey responses recorded in [start, end] (days) for
    cases in ``region``, with the same cases' return-visit satisfaction beside them; and a
    ``subjects`` sub-block: the responses of sampled subjects in ``region`` in those days."""
    tz = timezone.get_current_timezone()
    qs = SurveyResponse.objects.all()
    if start is not None:
        qs = qs.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end is not None:
        qs = qs.filter(at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    subject_qs = qs.filter(item__subject__isnull=False)
    qs = qs.filter(item__case__isnull=False)
    if region is not None:
        qs = qs.filter(region_prefix_q(region.path, "item__case__region_path"))
        subject_qs = subject_qs.filter(region_prefix_q(region.path, "item__subject__region_path"))
    items = SurveyItem.objects.filter(response__in=qs)
    c = items.aggregate(**_aggregates())
    out = rates(c)
    out["surveys"] = qs.values("survey_id").distinct().count()
    for key in ("sampled", "pending"):  # responses in a window: nothing is pending in it
        out.pop(key)
    out["responses"] = c["answered"] or 0
    subjects = subject_rates(SurveyItem.objects.filter(response__in=subject_qs).aggregate(**_subject_aggregates()))
    for key in ("sampled", "pending"):
        subjects.pop(key)
    subjects["responses"] = subjects["counts"]["answered"]
    out["subjects"] = subjects
    return out
