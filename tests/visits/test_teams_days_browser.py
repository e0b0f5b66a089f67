"""集中走访日 and 组团式走访 in real headless Chromium at 390 px and 1366 px: a dispatcher schedules a
day with a target list on /visits/days/, a cadre records a team visit from the form (a double click
records one visit), and the day's progress counts it."""


import pytest

from minqing.visits.models import Visit, VisitDay, VisitMember

from .conftest import make_cadre, make_subject
from .test_browser_pages import browser, login, look  # noqa: F401  (fixtures and helpers)

pytestmark = pytest.mark.browser


@pytest.fixture
def dayworld(tworld, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()
    w = tworld
    make_cadre(w, "li", rank="section", name="李明", unit="朱亭镇党委")
    make_cadre(w, "wang", rank="staff", name="王芳", unit="朱亭镇综治办")
    for i, name in enumerate(["王建国", "李秀英", "张桂兰"]):
        make_subject(w, f"H{i}", name=name, tags=["独居老人"])
    make_subject(w, "E1", kind="enterprise", name="朱亭湘农米业有限公司", tags=["重点企业"])
    return w


@pytest.mark.parametrize("width", [390, 1366])
def test_visit_day_scheduled_and_progress(dayworld, live_server, browser, width):  # noqa: F811
    page = login(browser, live_server, "disp_zt", width)
    page.goto(live_server.url + "/visits/days/")
    assert page.locator("h1").inner_text().strip() == "集中走访日"
    page.fill("#day-region", "430212101")
    page.fill("#day-title", "朱亭镇集中走访日")
    page.select_option("#day-kind", "household")
    page.fill("#day-tag", "独居老人")
    page.fill("#day-targets", "E1")
    look(page, "days", width)
    page.click("#schedule button[type=submit]")
    page.wait_for_url("**/visits/days/*/")
    day = VisitDay.objects.get()
    assert day.targets.count() == 4
    assert "0/4" in page.inner_text("#day-progress")
    # the cadre goes to a target from the day's list, as a team with wang
    cadre = login(browser, live_server, "li", width)
    cadre.goto(live_server.url + f"/visits/days/{day.pk}/")
    cadre.click("tr[data-target=H1] a:has-text('去走访')")
    cadre.wait_for_url("**/visits/new/?subject=H1")
    cadre.fill("#members", "wang")
    cadre.check("input[name=method][value=door]")
    cadre.fill("#notes", "集中走访日入户，老人身体尚好。")
    look(cadre, "new-team", width)
    # a double click: the same form twice, one visit
    cadre.dblclick("main button[type=submit]:has-text('保存')")
    cadre.wait_for_url("**/visits/*/")
    cadre.wait_for_load_state("networkidle")
    assert Visit.objects.count() == 1
    assert list(VisitMember.objects.values_list("user__username", flat=True)) == ["wang"]
    page.goto(live_server.url + f"/visits/days/{day.pk}/")
    assert "1/4" in page.inner_text("#day-progress")
    assert "已走访" in page.inner_text("tr[data-target=H1]")
    look(page, "day", width)
    page.goto(live_server.url + "/visits/days/")
    assert "25.0%" in page.inner_text(f"tr[data-day='{day.pk}']")
