"""The survey desk in headless Chromium at 390 px and 1366 px with a sampled registered subject:
masked until 拨打, the phone then (logged with the subject), scored through the same form; the
leader's results page shows the subjects' row and fits the width."""

import datetime as dt

import pytest

from minqing.people.models import ContactAccess
from minqing.surveys.actions import do_create_survey
from minqing.surveys.models import SurveyResponse
from tests.web.test_browser import as_user

from .conftest import today
from .test_desk_browser import browser, fits  # noqa: F401 - the module's Chromium fixture
from .test_subjects import add_subjects

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _clean_cache(transactional_db):
    from django.core.cache import cache

    cache.clear()


@pytest.mark.parametrize("width", [390, 1366])
def test_desk_calls_a_subject(stworld, live_server, browser, width):  # noqa: F811
    w = add_subjects(stworld)
    s = do_create_survey(w.actor("leader_city"), region="430212", date_from=today() - dt.timedelta(days=30),
                         date_to=today(), per_department=1, subjects=1, seed=5)
    item = s.items.get(subject__isnull=False)
    subj = item.subject
    page = as_user(browser, live_server, "surv_lk", width=width)
    card = f"#subject-{subj.pk}"
    assert subj.external_id in page.inner_text(card) and subj.phone not in page.inner_text("main")
    fits(page)
    page.click(f"{card} form.call button")
    page.wait_for_selector(f"{card} a.phone")
    assert page.inner_text(f"{card} a.phone") == subj.phone
    assert ContactAccess.objects.filter(subject=subj, user=w.users["surv_lk"], via="survey").count() == 1
    fits(page)
    page.check(f"{card} input[name=reached][value=yes]")
    page.select_option(f"{card} select[name=score]", "6")
    page.check(f"{card} input[name=satisfied][value=no]")
    page.click(f"{card} form.answer button[type=submit]")
    page.wait_for_selector(".messages")
    assert "已记录测评结果" in page.inner_text(".messages") and "已测评" in page.inner_text(card)
    assert subj.phone not in page.inner_text("main")
    resp = SurveyResponse.objects.get(item=item)
    assert (resp.score, resp.satisfied) == (6, False)
    page.context.close()

    leader = as_user(browser, live_server, "leader_city", width=width)
    leader.goto(f"{live_server.url}/work/survey/results/?survey={s.pk}")
    row = leader.inner_text("#survey-subjects")
    assert "走访对象" in row and "0.0%" in row
    leader.wait_for_load_state("load")
    fits(leader)
    leader.context.close()
