"""The demo holds a surveyor and one survey with responses, whose results add up."""

import pytest
from django.db import transaction

from minqing.demo import build
from minqing.people.models import Membership, Role
from minqing.surveys.figures import results
from minqing.surveys.models import Survey, SurveyResponse


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build(160, seed=7)
        transaction.set_rollback(True)


def test_the_demo_has_a_survey_with_responses(built, db):
    assert Membership.objects.filter(role=Role.SURVEYOR, user__username="surv_city").exists()
    survey = Survey.objects.get()
    assert survey.items.count() >= 4
    responses = SurveyResponse.objects.filter(survey=survey)
    assert responses.filter(reached=True).exists()
    res = results(survey)
    assert res["overall"]["sampled"] == survey.items.filter(case__isnull=False).count()
    assert res["overall"]["reached"] + res["overall"]["unreached"] == responses.filter(item__case__isnull=False).count()
    # registered households/enterprises sampled too, some of them answered
    sub = res["subjects"]
    assert sub["sampled"] == survey.items.filter(subject__isnull=False).count() > 0
    assert sub["reached"] + sub["unreached"] == responses.filter(item__subject__isnull=False).count() > 0
    assert res["overall"]["satisfaction_rate"] is not None
    assert res["overall"]["return_visit"]["rated"] > 0
    assert len(res["departments"]) >= 2
    # the surveyor logs in with the demo password
    from django.contrib.auth import authenticate

    assert authenticate(username="surv_city", password="demo12345") is not None
