"""The three formats, checked by opening them: DOCX parsed with python-docx, the PDF rendered to a
page image with pypdfium2 and checked non-blank, the XLSX read back with openpyxl."""

import io

import pytest

from minqing.regions.models import Region
from minqing.reports import periods
from minqing.reports.render import Document, cn_number, section_heading, sub_heading
from minqing.reports.sections import SECTIONS


@pytest.fixture
def doc(rworld):
    return Document(Region.objects.get(code="430200"), rworld.month)


def test_chinese_numbering():
    assert [cn_number(i) for i in (1, 2, 9, 10, 11, 12, 20, 21)] == ["一", "二", "九", "十", "十一", "十二", "二十", "二十一"]
    assert section_heading(3, "部门") == "三、部门" and sub_heading(2, "按类别") == "（二）按类别"


def test_docx_opens_with_numbered_headings_tables_and_charts(doc):
    import docx

    d = docx.Document(io.BytesIO(doc.render("docx")))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "株洲市民情工作月报"
    headings = [t for t in texts if len(t) > 2 and t[1] == "、" or t[:2] == "十、"]
    assert headings == [section_heading(i, title) for i, (_k, title, _p) in enumerate(SECTIONS, 1)]
    assert "（一）按渠道" in texts and "（二）按问题类别" in texts
    body = "\n".join(texts)
    assert "共受理群众诉求7件" in body  # 6 in the period + the campaign's suggestion
    # the ranking names the units at the top and the bottom (通报)
    assert "予以通报" in body or "不作通报" in body
    assert len(d.tables) >= 6
    overview = d.tables[0]
    assert [c.text for c in overview.rows[0].cells][:4] == ["指标", "本期", "上期", "环比"]  # the code column is for machines: XLSX only
    assert overview.rows[1].cells[0].text == "受理量" and overview.rows[1].cells[1].text == "7"
    assert len(d.inline_shapes) >= 3  # charts embedded


def test_pdf_renders_a_non_blank_first_page(doc):
    import pypdfium2 as pdfium

    data = doc.render("pdf")
    assert data[:5] == b"%PDF-"
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) >= 2
    image = pdf[0].render(scale=1).to_pil().convert("L")
    hist = image.histogram()
    dark = sum(hist[:128])
    assert dark > 2000, "the first page is blank"
    text = pdf[0].get_textpage().get_text_range()
    assert "株洲市民情工作月报" in text and "一、总体情况" in text


def test_pdf_uses_a_cjk_font(doc):
    """No missing-glyph boxes: a CJK font is embedded in the PDF."""
    import ctypes

    import pypdfium2 as pdfium
    from pypdfium2 import raw

    pdf = pdfium.PdfDocument(doc.render("pdf"))
    page = pdf[0].get_textpage()
    index = page.get_text_range().index("株")
    buf = ctypes.create_string_buffer(200)
    flags = ctypes.c_int()
    n = raw.FPDFText_GetFontInfo(page.raw, index, buf, 200, ctypes.byref(flags))
    name = buf.raw[:n].decode("latin-1")
    assert any(f in name for f in ("CJK", "WenQuanYi", "WQY")), name


def test_xlsx_reads_back(doc):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(doc.render("xlsx")))
    assert wb.sheetnames[0] == "报告"
    assert {"overview", "channels", "categories", "ranking", "visits"} <= set(wb.sheetnames)
    rows = list(wb["overview"].iter_rows(values_only=True))
    assert rows[1][:7] == ("指标", "编码", "本期", "上期", "环比", "去年同期", "同比")
    intake = next(r for r in rows if r[1] == "intake")
    assert intake[2:4] == (7, 2) and intake[5] == 1
    assert intake[4] == pytest.approx(2.5) and intake[6] == pytest.approx(6.0)
    first = [c.value for c in wb["报告"]["A"]]
    assert first[0] == "株洲市民情工作月报" and "一、总体情况" in first


def test_xlsx_cells_are_inert(rworld):
    """A category name starting with "=" reaches the XLSX as text, not as a formula."""
    import openpyxl

    from minqing.cases.models import Category

    Category.objects.filter(code="water_supply").update(name="=HYPERLINK(\"http://x\")")
    doc = Document(Region.objects.get(code="430200"), rworld.month, only=["intake"])
    wb = openpyxl.load_workbook(io.BytesIO(doc.render("xlsx")))
    names = [r[0] for r in wb["categories"].iter_rows(min_row=3, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in names


def test_periods():
    import datetime as dt

    w = periods.window("week", dt.date(2026, 12, 2))
    assert (w.start, w.end) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))
    assert periods.previous(w).start == dt.date(2026, 11, 23)
    assert periods.year_ago(w).start == dt.date(2025, 12, 1) and periods.year_ago(w).start.weekday() == 0
    q = periods.window("quarter", dt.date(2026, 12, 2))
    assert (q.start, q.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert periods.previous(q).start == dt.date(2026, 7, 1) and periods.year_ago(q).start == dt.date(2025, 10, 1)
    assert periods.window("year", dt.date(2026, 2, 28)).end == dt.date(2026, 12, 31)
    assert periods.last_ended("month", dt.date(2026, 12, 2)).start == dt.date(2026, 11, 1)
    assert periods.window("month", dt.date(2024, 2, 10)).end == dt.date(2024, 2, 29)
    with pytest.raises(periods.PeriodError):
        periods.window("fortnight", dt.date(2026, 1, 1))


def test_supervision_problems_and_campaign_figures(rworld):
    """四、五、七 (not in /api/v1/stats): the world's one supervision order, its red case, the recurring
    problem at 朱亭村 and the campaign's one suggestion, read back from the XLSX."""
    import openpyxl

    from minqing.cases.models import Case

    doc = Document(Region.objects.get(code="430200"), rworld.month, only=["supervision", "problems", "campaigns"])
    wb = openpyxl.load_workbook(io.BytesIO(doc.render("xlsx")))
    orders = list(wb["orders"].iter_rows(min_row=3, values_only=True))
    assert orders == [("督办单", "orders", 1, 0, None, 0, None)]
    assert list(wb["orders_by_department"].iter_rows(min_row=3, values_only=True)) == [("渌口区水务局", 1, 0)]
    red = list(wb["red"].iter_rows(min_row=3, values_only=True))
    red_case = Case.objects.get(supervision_orders__isnull=False)  # assigned a month ago, never accepted
    redo = Case.objects.get(state="reopened")  # the unsatisfied one: its redo's deadline has passed
    assert sorted(r[0] for r in red) == sorted([red_case.tracking_code, redo.tracking_code])
    assert {r[3] for r in red} == {"渌口区水务局", "渌口区交通运输局"}
    top = list(wb["top_problems"].iter_rows(min_row=3, values_only=True))
    assert top[0][1:] == ("供水", "朱亭村", 4, 2)  # two closed, the red one, the campaign's registered one
    assert list(wb["campaigns"].iter_rows(min_row=3, values_only=True)) == [("金点子征集", "jindianzi", 1, 0, 1, 0, 0)]
    # the text of a case never reaches a report
    texts = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "文化广场" not in texts and "张三" not in texts and "13812340000" not in texts


def test_free_text_in_a_report_is_masked(rworld):
    import openpyxl

    from minqing.cases.models import Case, Topic

    t = Topic.objects.create(title="朱亭村停水 联系人王小明 13812345678")
    t.cases.set(Case.objects.all())
    doc = Document(Region.objects.get(code="430200"), rworld.month, only=["problems"])
    wb = openpyxl.load_workbook(io.BytesIO(doc.render("xlsx")))
    title = next(wb["topics"].iter_rows(min_row=3, values_only=True))[0]
    assert "13812345678" not in title and "王小明" not in title and title.startswith("朱亭村停水")


def test_typical_cases_of_the_period_are_in_the_report_masked(rworld):
    """八、典型案例: the 金果子 cases marked in the period, their write-up masked."""
    import openpyxl

    from minqing.cases.models import Case
    from minqing.ideas.actions import do_mark_typical
    from minqing.reports.periods import window
    from minqing.supervision.alerts import today

    county = Region.objects.get(code="430212")
    this_month = window("month", today())
    empty = Document(county, this_month, only=["typical"])
    wb = openpyxl.load_workbook(io.BytesIO(empty.render("xlsx")))
    assert "typical" not in wb.sheetnames
    closed = Case.objects.filter(state="closed", region_path__startswith=county.path).first()
    do_mark_typical(rworld.actor("disp_lk"), closed, title="朱亭村停水三天后恢复",
                    writeup="水利局接单当天抢修，联系人电话13812345678，三天恢复供水")
    wb = openpyxl.load_workbook(io.BytesIO(Document(county, this_month, only=["typical"]).render("xlsx")))
    rows = list(wb["typical"].iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1 and rows[0][0] == "朱亭村停水三天后恢复"
    assert "13812345678" not in rows[0][4] and "抢修" in rows[0][4]
