"""The report's 群众满意度测评 section: the survey's figures for the period, equal to
``survey_figures`` (which the dashboard and /api/v1/stats show), read back from the XLSX."""

import io

import openpyxl

from minqing.regions.models import Region
from minqing.reports import periods
from minqing.reports.render import Document
from minqing.supervision.alerts import today
from minqing.surveys.actions import do_record_response
from minqing.surveys.figures import survey_figures

from .test_figures import plan


def _sheet(doc, name):
    wb = openpyxl.load_workbook(io.BytesIO(doc.render("xlsx")))
    return {r[1]: r for r in wb[name].iter_rows(min_row=3, values_only=True)}


def test_the_report_shows_the_survey_figures_of_the_period(sworld):
    w = sworld
    county = Region.objects.get(code="430212")
    window = periods.window("month", today())

    s = plan(w, region="430212")
    items = list(s.items.values_list("case_id", flat=True))
    lk = w.actor("surv_lk")
    do_record_response(lk, s, items[0], score=4, satisfied=False)
    do_record_response(lk, s, items[1], score=10, satisfied=True)
    do_record_response(lk, s, items[2], unreachable=True)
    f = survey_figures(county, window.start, window.end)
    rows = _sheet(Document(county, window, only=["survey"]), "survey")
    assert rows["responses"][2] == f["responses"] == 3
    assert (rows["reached"][2], rows["unreached"][2]) == (f["reached"], f["unreached"]) == (2, 1)
    assert rows["satisfaction_rate"][2] == f["satisfaction_rate"] == 0.5
    assert rows["mean_score"][2] == f["mean_score"] == 7.0
    assert rows["return_visit.satisfaction_rate"][2] == f["return_visit"]["satisfaction_rate"]
    assert rows["gap.satisfaction_rate"][2] == f["gap"]["satisfaction_rate"]
    assert rows["responses"][3] == 0  # the previous month had none
