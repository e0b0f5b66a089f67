"""The report's section 群众满意度测评: the independent survey's figures for the period, with
环比 and 同比, and the departments' own return-visit satisfaction of the same cases beside them
(registered in ``reports.sections.SECTIONS``)."""

from minqing.reports.blocks import Paragraph, Table
from minqing.reports.sections import COMPARE_HEADERS, compare_row

from .figures import survey_figures

FIGURES = [
    ("responses", "测评回复数", "n"),
    ("reached", "接通", "n"),
    ("unreached", "未接通", "n"),
    ("satisfaction_rate", "测评满意率", "rate"),
    ("mean_score", "测评平均分", "score"),
    ("return_visit.satisfaction_rate", "同批案件回访满意率", "rate"),
    ("gap.satisfaction_rate", "满意率差（测评−回访）", "rate"),
]


def _pct(v):
    return "—" if v is None else f"{v * 100:.1f}%"


def _get(d, dotted):
    for part in dotted.split("."):
        d = d.get(part) if isinstance(d, dict) else None
    return d


def section(ctx):
    figs = [survey_figures(ctx.region, w.start, w.end) for w in ctx.windows]
    now = figs[0]
    if not now["responses"]:
        return [Paragraph("本期未开展群众满意度测评。")]
    rows = [compare_row(label, key, [_get(f, key) for f in figs], kind) for key, label, kind in FIGURES]
    rv = now["return_visit"]["satisfaction_rate"]
    return [
        Paragraph(f"本期独立测评回复{now['responses']}件（接通{now['reached']}件），测评满意率"
                  f"{_pct(now['satisfaction_rate'])}，平均{now['mean_score'] if now['mean_score'] is not None else '—'}分；"
                  f"同批案件承办单位回访满意率{_pct(rv)}。"),
        Table("群众满意度测评", ["指标", "编码", *COMPARE_HEADERS], rows, key="survey"),
    ]
