"""The digest (摘编) of a campaign: its submissions grouped by category and topic with counts
and representative texts, and the adopted ideas with what became of them. Every text is
masked (``people/masking.py``): a digest is handed around.

``build(campaign)`` gives the content; ``docx_bytes`` writes it with python-docx and
``xlsx_sheets`` gives the sheets for ``intake.exports.response`` (whose writer passes
every cell through ``tabular.safe_row``).
"""

import io

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.people.masking import mask_text

from . import figures
from .models import Review

REPRESENTATIVE = 3
SNIPPET = 300


def _snippet(text):
    text = mask_text(text or "").strip()
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…"


def build(campaign):
    links = list(figures.submissions(campaign).select_related("case__category", "case__region")
                 .annotate(merged_count=Count("merged_links")).order_by("id"))
    groups = {}
    for link in links:
        cat = link.case.category.name if link.case.category_id else _("未分类")
        topic = link.topic or _("其他")
        groups.setdefault((cat, topic), []).append(link)
    rows = []
    for (cat, topic), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        # representative: the adopted ones first, then the fullest texts
        ranked = sorted(items, key=lambda lk: (lk.status != Review.ADOPTED, -len(lk.case.text), lk.pk))
        rows.append({
            "category": cat, "topic": topic, "count": len(items),
            "adopted": sum(1 for lk in items if lk.status == Review.ADOPTED),
            "texts": [_snippet(lk.case.text) for lk in ranked[:REPRESENTATIVE]],
        })
    adopted = []
    for link in links:
        if link.status != Review.ADOPTED:
            continue
        adopted.append({
            "tracking_code": link.case.tracking_code, "topic": link.topic,
            "category": link.case.category.name if link.case.category_id else "",
            "region": link.case.region.name if link.case.region_id else "",
            "text": _snippet(link.case.text), "answer": _snippet(link.answer), "outcome": _snippet(link.outcome),
            "implemented": link.implemented, "merged": link.merged_count,
        })
    return {
        "campaign": {"slug": campaign.slug, "title": campaign.title,
                     "region": campaign.region.name if campaign.region_id else "",
                     "starts": campaign.starts.isoformat() if campaign.starts else "",
                     "ends": campaign.ends.isoformat() if campaign.ends else "",
                     "description": campaign.description},
        "figures": figures.campaign_figures(campaign),
        "groups": rows,
        "adopted": adopted,
        "made_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


def _figure_lines(f):
    return [
        (_("建议总数"), f["submissions"]), (_("已审阅"), f["reviewed"]), (_("采纳"), f["adopted"]),
        (_("合并"), f["merged"]), (_("答复"), f["answered"]), (_("待审"), f["pending"]),
        (_("已落实"), f["implemented"]),
    ]


def docx_bytes(d):
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    c = d["campaign"]
    doc.add_heading(_("“%(title)s”建议摘编") % {"title": c["title"]}, level=0)
    doc.add_paragraph(_("征集范围：%(region)s　征集期：%(starts)s 至 %(ends)s　编制时间：%(at)s") % {
        "region": c["region"], "starts": c["starts"], "ends": c["ends"], "at": d["made_at"]})
    doc.add_heading(_("一、总体情况"), level=1)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = _("指标"), _("数量")
    for label, value in _figure_lines(d["figures"]):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = str(label), str(value)
    if d["figures"]["by_region"]:
        doc.add_paragraph(_("分地区：") + "；".join(
            f"{r['name']} {r['submissions']}（{_('采纳')} {r['adopted']}）" for r in d["figures"]["by_region"]))
    doc.add_heading(_("二、建议分类摘编"), level=1)
    for i, g in enumerate(d["groups"], 1):
        doc.add_heading(f"（{i}）{g['category']} · {g['topic']}：{g['count']} " + _("条") +
                        (f"，{_('采纳')} {g['adopted']}" if g["adopted"] else ""), level=2)
        for t in g["texts"]:
            doc.add_paragraph(t, style="List Bullet")
    doc.add_heading(_("三、采纳建议及落实情况"), level=1)
    if not d["adopted"]:
        doc.add_paragraph(_("暂无采纳的建议。"))
    for i, a in enumerate(d["adopted"], 1):
        doc.add_heading(f"{i}. {a['topic'] or a['category']}（{a['tracking_code']}）", level=2)
        doc.add_paragraph(_("建议：") + a["text"])
        if a["merged"]:
            doc.add_paragraph(_("另有 %(n)d 条相同建议并入。") % {"n": a["merged"]})
        if a["answer"]:
            doc.add_paragraph(_("采纳意见：") + a["answer"])
        doc.add_paragraph(_("落实情况：") + (a["outcome"] or _("落实中")) +
                          (_("（已落实）") if a["implemented"] else ""))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def xlsx_sheets(d):
    f = d["figures"]
    return [
        (_("总体情况"), [_("指标"), _("数量")], [(str(k), v) for k, v in _figure_lines(f)]),
        (_("分类摘编"), [_("类别"), _("主题"), _("条数"), _("采纳"), _("代表性建议")],
         [(g["category"], g["topic"], g["count"], g["adopted"], "\n".join(g["texts"])) for g in d["groups"]]),
        (_("采纳建议"), [_("查询码"), _("主题"), _("类别"), _("地区"), _("建议"), _("采纳意见"), _("落实情况"),
                      _("已落实"), _("并入条数")],
         [(a["tracking_code"], a["topic"], a["category"], a["region"], a["text"], a["answer"], a["outcome"],
           a["implemented"], a["merged"]) for a in d["adopted"]]),
        (_("分地区"), [_("地区"), _("建议"), _("采纳"), _("已落实")],
         [(r["name"], r["submissions"], r["adopted"], r["implemented"]) for r in f["by_region"]]),
    ]
