"""The patrol form in headless Chromium at phone (390 px) and desktop (1366 px) width: a cadre opens
安全先锋行 from the menu, picks the self-built-house checklist, fails two items (one with a photo),
saves, and the patrol page shows the hazards as cases; nothing scrolls sideways."""

import os

import pytest
from PIL import Image
from web.test_browser import as_user, browser  # noqa: F401 - the module-scoped Chromium fixture

from minqing.cases.models import Case
from minqing.patrols.models import Patrol

from .conftest import make_cadre

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def login(browser, live_server, name, width):
    return as_user(browser, live_server, name, width, timeout=20000)


def no_sideways(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner + 1, (scroll, inner)


@pytest.mark.parametrize("width", [390, 1366])
def test_cadre_fills_a_patrol_on_the_phone(tworld, live_server, browser, width, tmp_path):
    from minqing.patrols import defaults

    defaults.install()
    make_cadre(tworld, "wang", name="王强")
    photo = tmp_path / "crack.png"
    Image.new("RGB", (40, 30), "gray").save(photo)
    page = login(browser, live_server, "wang", width)
    page.click("nav a[href='/patrols/']")
    assert page.locator("h1").inner_text().strip() == "安全先锋行"
    no_sideways(page)
    page.click("main a[href='/patrols/new/?checklist=self_built']")
    assert page.locator("#region").input_value() == "430212101"
    page.fill("#region", "430212101201")
    for code in ("structure", "ebike"):
        page.check(f"input[name=ok_{code}][value='0']")
    for code in ("extension", "use_change", "gas"):
        page.check(f"input[name=ok_{code}][value='1']")
    page.fill("textarea[name=note_structure]", "东墙有一条贯穿裂缝")
    page.set_input_files("input[name=photo_structure]", str(photo))
    no_sideways(page)
    assert len(page.locator("input[name=client_key]").input_value()) == 24
    page.click("#patrol-form button[type=submit]")
    page.wait_for_url("**/patrols/*/")
    main = page.inner_text("main")
    assert "自建房安全排查" in main and "东墙有一条贯穿裂缝" in main and "王强" in main
    assert page.locator("li.hazard").count() == 2 and page.locator("li.ok").count() == 3
    no_sideways(page)
    patrol = Patrol.objects.get()
    assert patrol.hazards == 2 and patrol.photos.count() == 1
    structure = patrol.items.get(item__code="structure").case
    assert structure.channel == "patrol" and structure.attachments.count() == 1
    assert Case.objects.filter(channel="patrol").count() == 2
    assert patrol.client_key  # the form carries its own key: a double submit finds this patrol


def test_unanswered_item_is_refused_on_the_page(tworld, live_server, browser):
    from minqing.patrols import defaults

    defaults.install()
    make_cadre(tworld, "wang", name="王强")
    page = login(browser, live_server, "wang", 390)
    page.goto(live_server.url + "/patrols/new/?checklist=market")
    page.evaluate("document.querySelectorAll('#patrol-form input[type=radio]').forEach(r => r.required = false)")
    page.check("input[name=ok_aisles][value='1']")
    page.click("#patrol-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[role=alert]").count() == 1
    assert "未填写的检查项" in page.inner_text("[role=alert]")
    assert page.locator("input[name=ok_aisles][value='1']").is_checked()  # what was filled stays
    assert not Patrol.objects.exists()
