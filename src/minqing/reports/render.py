"""The report in three formats from one list of sections: DOCX (python-docx), PDF (WeasyPrint
from an HTML template, with a CJK font) and XLSX (every cell through ``tabular.safe_row``).

Headings follow the customary layout of a government document: the sections 一、二、三、…,
their subsections （一）（二）（三）…."""

import base64
import io

from django.template.loader import render_to_string
from django.utils import timezone

from .blocks import Change, Chart, Paragraph, Rate, Sub, Table, fmt
from .context import Context
from .sections import build_sections

FORMATS = ("docx", "pdf", "xlsx")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KIND_NAMES = {"week": "民情工作周报", "month": "民情工作月报", "quarter": "民情工作季度通报", "year": "民情工作年度报告"}
CN_NUM = "一二三四五六七八九十"


def cn_number(n):
    """1 → 一, 11 → 十一, 20 → 二十 (enough for sections and subsections)."""
    if n <= 10:
        return CN_NUM[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens - 1] if tens > 1 else "") + "十" + (CN_NUM[ones - 1] if ones else "")


def section_heading(i, title):
    return f"{cn_number(i)}、{title}"


def sub_heading(i, title):
    return f"（{cn_number(i)}）{title}"


class Document:
    """A built report: its title lines and numbered sections."""

    def __init__(self, region, window, today=None, only=None):
        from django.utils import translation

        with translation.override("zh-hans"):  # an official document: always Chinese
            self.ctx = Context(region, window, today=today)
            self.sections = build_sections(self.ctx, only=only)
            self.region, self.window = region, window
            self.generated_at = timezone.localtime()
            self.title = f"{region.name}{KIND_NAMES[window.period]}"
            self.subtitle = f"（{window.label}）"
            self.scope_line = (
                f"统计范围：{region.full_name()}，登记时间{window.start:%Y年%m月%d日}至{window.end:%Y年%m月%d日}的问题；"
                f"环比对照{self.ctx.prev.label}，同比对照{self.ctx.yago.label}；"
                f"数据截至{self.generated_at:%Y年%m月%d日 %H:%M}。")

    def numbered(self):
        """[(heading, blocks)] with 一、… and inside （一）…"""
        out = []
        for i, s in enumerate(self.sections, 1):
            blocks, n = [], 0
            for b in s.blocks:
                if isinstance(b, Sub):
                    n += 1
                    blocks.append(Sub(sub_heading(n, b.title), b.blocks))
                else:
                    blocks.append(b)
            out.append((section_heading(i, s.title), s.key, blocks))
        return out

    def tables(self):
        """Every table of the report, in order, with its section heading."""
        for heading, _key, blocks in self.numbered():
            for b in blocks:
                for t in (b.blocks if isinstance(b, Sub) else [b]):
                    if isinstance(t, Table):
                        yield heading, t

    def filename(self, fmt_):
        return f"report-{self.window.period}-{self.region.code}-{self.window.start.isoformat()}.{fmt_}"

    def render(self, fmt_):
        return {"docx": to_docx, "pdf": to_pdf, "xlsx": to_xlsx}[fmt_](self)


# ---- DOCX ------------------------------------------------------------------------------------


CODE_HEADER = "编码"  # the figure's API name: kept in the XLSX (read by machines), left out of print


def printed(table):
    """(headers, rows) of a table as the DOCX and PDF print it: without the code column."""
    if CODE_HEADER not in table.headers:
        return table.headers, table.rows
    i = table.headers.index(CODE_HEADER)
    return table.headers[:i] + table.headers[i + 1:], [row[:i] + row[i + 1:] for row in table.rows]


def _font(run, name, size=None, bold=None):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def to_docx(doc):
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    d = docx.Document()
    for s in d.sections:
        s.top_margin, s.bottom_margin, s.left_margin, s.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    normal = d.styles["Normal"]
    normal.font.size = Pt(12)
    normal.font.name = "仿宋"
    normal.element.rPr.rFonts.set(docx.oxml.ns.qn("w:eastAsia"), "仿宋")

    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(doc.title), "方正小标宋简体", 22, True)
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(doc.subtitle), "楷体", 14)
    _font(d.add_paragraph().add_run(doc.scope_line), "仿宋", 10)

    def add_blocks(blocks):
        for b in blocks:
            if isinstance(b, Sub):
                h = d.add_paragraph()
                _font(h.add_run(b.title), "楷体", 14, True)
                add_blocks(b.blocks)
            elif isinstance(b, Paragraph):
                para = d.add_paragraph()
                para.paragraph_format.first_line_indent = Pt(24)
                _font(para.add_run(b.text), "仿宋", 12)
            elif isinstance(b, Table):
                cap = d.add_paragraph()
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _font(cap.add_run(b.title), "黑体", 10.5, True)
                headers, rows = printed(b)
                t = d.add_table(rows=1, cols=len(headers))
                t.style = "Table Grid"
                t.alignment = WD_TABLE_ALIGNMENT.CENTER
                for i, h in enumerate(headers):
                    cell = t.rows[0].cells[i]
                    cell.text = ""
                    _font(cell.paragraphs[0].add_run(str(h)), "黑体", 9, True)
                for row in rows:
                    cells = t.add_row().cells
                    for i, v in enumerate(row):
                        cells[i].text = ""
                        _font(cells[i].paragraphs[0].add_run(fmt(v)), "仿宋", 9)
            elif isinstance(b, Chart):
                d.add_picture(io.BytesIO(b.png), width=Cm(15))
                d.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    for heading, _key, blocks in doc.numbered():
        h = d.add_paragraph()
        _font(h.add_run(heading), "黑体", 16, True)
        add_blocks(blocks)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ---- PDF -------------------------------------------------------------------------------------


def _html_blocks(blocks):
    out = []
    for b in blocks:
        if isinstance(b, Sub):
            out.append({"kind": "sub", "title": b.title, "blocks": _html_blocks(b.blocks)})
        elif isinstance(b, Paragraph):
            out.append({"kind": "p", "text": b.text})
        elif isinstance(b, Table):
            headers, rows = printed(b)
            out.append({"kind": "table", "title": b.title, "headers": headers,
                        "rows": [[fmt(v) for v in row] for row in rows]})
        elif isinstance(b, Chart):
            out.append({"kind": "chart", "title": b.title,
                        "src": "data:image/png;base64," + base64.b64encode(b.png).decode()})
    return out


def to_html(doc):
    sections = [{"heading": h, "key": k, "blocks": _html_blocks(blocks)} for h, k, blocks in doc.numbered()]
    return render_to_string("reports/document.html", {"doc": doc, "sections": sections})


def to_pdf(doc):
    from weasyprint import HTML

    # base_url None and only data: URIs inside: the renderer fetches nothing
    return HTML(string=to_html(doc), base_url=None).write_pdf()


# ---- XLSX ------------------------------------------------------------------------------------


def xlsx_value(v):
    """A cell's raw value: a rate stays a fraction (formatted as a percent)."""
    if isinstance(v, (Rate, Change)):
        return v.value
    return v


def to_xlsx(doc):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from minqing.tabular import safe_row

    wb = Workbook()
    ws = wb.active
    ws.title = "报告"
    for line in (doc.title, doc.subtitle, doc.scope_line):
        ws.append(safe_row([line]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for heading, _key, blocks in doc.numbered():
        ws.append(safe_row([heading]))
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for b in blocks:
            for x in (b.blocks if isinstance(b, Sub) else [b]):
                if isinstance(x, Paragraph):
                    ws.append(safe_row([x.text]))
    for heading, t in doc.tables():
        name = t.key[:31] or t.title[:31]
        sheet = wb.create_sheet(name)
        sheet.append(safe_row([f"{heading} · {t.title}"]))
        sheet.append(safe_row(t.headers))
        for c in sheet[2]:
            c.font = Font(bold=True)
        for row in t.rows:
            sheet.append(safe_row([xlsx_value(v) for v in row]))
            for v, cell in zip(row, sheet[sheet.max_row]):
                if isinstance(v, (Rate, Change)):
                    cell.number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
