"""/reports/ in headless Chromium at 390 px and 1366 px: the four kinds of report, this period's
downloads, the archive the worker made, the form for any period; a handler is refused."""

import io
import os
from pathlib import Path

import openpyxl
import pytest
from web.test_browser import _limits, as_user, browser  # noqa: F401  (Chromium and the page limits)

from minqing.regions.models import Region
from minqing.reports.actions import generate_archived

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.parametrize("width", [390, 1366])
def test_reports_page(trworld, live_server, browser, width):  # noqa: F811
    month = trworld.month
    generate_archived("month", Region.objects.get(code="430200"), month.start, "test", formats=("xlsx", "docx"))
    page = as_user(browser, live_server, "leader_city", width=width)
    page.goto(live_server.url + "/reports/")
    assert page.locator("h1").inner_text().startswith("报告")
    assert "株洲市" in page.locator("h1").inner_text()
    assert [h.inner_text() for h in page.locator(".report-kind h2").all()] == ["周报", "月报", "季度通报", "年度报告"]
    assert page.locator("nav a[href='/reports/']").get_attribute("class") == "current"
    archive = page.locator("#kind-month table.report-archive tbody tr").first
    assert month.label in archive.inner_text() and "已生成" in archive.inner_text()
    assert page.locator("#kind-week .report-archive").inner_text().count("尚无存档") == 1
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways at {width}px"

    with page.expect_download() as dl:
        archive.locator("a", has_text="XLSX").click()
    path = dl.value.path()
    wb = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()))
    assert wb["报告"]["A1"].value == "株洲市民情工作月报"
    assert dl.value.suggested_filename == f"report-month-430200-{month.start.isoformat()}.xlsx"

    page.select_option("#make-report select[name=period]", "quarter")
    page.fill("#make-report input[name=date]", month.start.isoformat())
    page.select_option("#make-report select[name=format]", "docx")
    with page.expect_download() as dl:
        page.click("#make-report button[type=submit]")
    import docx

    d = docx.Document(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert d.paragraphs[0].text == "株洲市民情工作季度通报"
    assert any(p.text == "三、部门办理情况排名通报" for p in d.paragraphs)

    page.click("#report-regions a:has-text('渌口区')")
    page.wait_for_load_state()
    assert "渌口区" in page.locator("h1").inner_text()
    page.context.close()


def test_reports_page_refuses_a_handler_and_another_region(trworld, live_server, browser):  # noqa: F811
    page = as_user(browser, live_server, "water")
    assert page.locator("nav a", has_text="报告").count() == 0
    resp = page.goto(live_server.url + "/reports/")
    assert resp.status == 403
    page.context.close()
    page = as_user(browser, live_server, "sup_lk")
    page.goto(live_server.url + "/reports/")
    assert "渌口区" in page.locator("h1").inner_text()
    assert page.goto(live_server.url + "/reports/?region=430223").status == 403
    page.context.close()
