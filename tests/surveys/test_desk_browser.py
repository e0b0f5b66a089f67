"""The survey desk in real headless Chromium at 390 px and 1366 px: a surveyor calls a sampled
case (the phone appears only then, logged), scores it, and the desk shows it done; a second
surveyor never sees the phone; the leader's results page fits the width too.
Set SURVEY_SHOTS=DIR to keep screenshots."""

import datetime as dt
import os

import pytest

from minqing.cases.models import Case
from minqing.people.models import ContactAccess
from minqing.surveys.actions import do_create_survey
from minqing.surveys.models import SurveyResponse
from tests.web.test_browser import CHROMIUM_ARGS, as_user

from .conftest import today

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _clean_cache(transactional_db):
    from django.core.cache import cache

    cache.clear()


def shot(page, name):
    out = os.environ.get("SURVEY_SHOTS")
    if out:
        os.makedirs(out, exist_ok=True)
        page.screenshot(path=os.path.join(out, f"{name}.png"), full_page=True)


def fits(page):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, (scroll, inner)


@pytest.mark.parametrize("width", [390, 1366])
def test_survey_desk(stworld, live_server, browser, width):
    w = stworld
    s = do_create_survey(w.actor("leader_city"), region="430212", date_from=today() - dt.timedelta(days=30),
                         date_to=today(), per_department=2, seed=5)
    first = Case.objects.get(pk=s.items.order_by("position").first().case_id)
    phone = first.reporter_phone

    page = as_user(browser, live_server, "surv_lk", width=width)
    assert page.url.endswith("/work/survey/")  # the surveyor's own page after login
    main = page.inner_text("main")
    assert first.tracking_code in main and phone not in main and "已完成 0 / 4 件" in main
    fits(page)
    shot(page, f"desk-{width}")

    card = f"#item-{first.pk}"
    page.click(f"{card} form.call button")
    page.wait_for_selector(f"{card} a.phone")
    assert page.inner_text(f"{card} a.phone") == phone
    assert ContactAccess.objects.filter(case=first, user=w.users["surv_lk"], via="survey").count() == 1
    fits(page)
    shot(page, f"desk-calling-{width}")

    # another surveyor at the same time: taken, no phone
    other = as_user(browser, live_server, "surv_lk2", width=width)
    assert "他人拨打中" in other.inner_text(card) and phone not in other.inner_text("main")
    other.context.close()

    page.check(f"{card} input[name=reached][value=yes]")
    page.select_option(f"{card} select[name=solved]", "9")
    page.select_option(f"{card} select[name=attitude]", "10")
    page.select_option(f"{card} select[name=timeliness]", "7")
    page.select_option(f"{card} select[name=score]", "8")
    page.check(f"{card} input[name=satisfied][value=yes]")
    page.fill(f"{card} textarea[name=note]", "修得快，态度好")
    page.click(f"{card} form.answer button[type=submit]")
    page.wait_for_selector(".messages")
    assert "已记录测评结果" in page.inner_text(".messages")
    assert "已测评" in page.inner_text(card) and "已完成 1 / 4 件" in page.inner_text("main")
    assert phone not in page.inner_text("main")
    resp = SurveyResponse.objects.get()
    assert (resp.score, resp.satisfied, resp.solved, resp.attitude, resp.timeliness) == (8, True, 9, 10, 7)
    fits(page)
    shot(page, f"desk-done-{width}")

    # unreachable, through the same form
    second = s.items.order_by("position")[1].case_id
    page.click(f"#item-{second} form.call button")
    page.wait_for_selector(f"#item-{second} a.phone")
    page.check(f"#item-{second} input[name=reached][value=no]")
    page.click(f"#item-{second} form.answer button[type=submit]")
    page.wait_for_selector(".messages")
    assert "联系不上" in page.inner_text(f"#item-{second}")
    assert SurveyResponse.objects.get(item__case_id=second).reached is False
    page.context.close()

    leader = as_user(browser, live_server, "leader_city", width=width)
    leader.goto(f"{live_server.url}/work/survey/results/?survey={s.pk}")
    table = leader.inner_text("#survey-results")
    assert "渌口区水务局" in table and "100.0%" in table
    leader.wait_for_load_state("load")
    fits(leader)
    shot(leader, f"results-{width}")
    leader.context.close()
