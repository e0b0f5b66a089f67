"""Two surveyors at once: of two claims of one case one wins, the other gets Conflict; of
eight identical responses at once (a double click, retries) one row is stored and every
call answers it; of two different responses one wins. Real SQLite file, one connection
per thread (tests/test_concurrency.race)."""

import datetime as dt

from test_concurrency import race

from minqing.surveys.actions import do_claim, do_create_survey, do_record_response
from minqing.surveys.models import SurveyEvent, SurveyItem, SurveyResponse

from .conftest import today


def _survey(w):
    return do_create_survey(w.actor("leader_city"), region="430212", date_from=today() - dt.timedelta(days=30),
                            date_to=today(), per_department=2)


def test_two_claims_one_wins(stworld):
    w = stworld
    for _ in range(3):
        s = _survey(w)
        item = s.items.first()
        outcomes = race((lambda: None, lambda _p: do_claim(w.actor("surv_lk"), s, item.case_id)),
                        (lambda: None, lambda _p: do_claim(w.actor("surv_lk2"), s, item.case_id)), timeout=120)
        assert sorted(outcomes) == ["Conflict", "ok"], outcomes
        assert SurveyItem.objects.get(pk=item.pk).caller is not None
        assert SurveyEvent.objects.filter(item=item, action="claimed").count() == 1


def test_the_same_response_at_once_is_stored_once(stworld):
    w = stworld
    s = _survey(w)
    item = s.items.first()
    answers = {"solved": 9, "attitude": 9, "timeliness": 8, "note": "好"}
    call = (lambda: None, lambda _p: do_record_response(w.actor("surv_lk"), s, item.case_id, score=9,
                                                        satisfied=True, answers=answers))
    outcomes = race(*[call] * 8, timeout=120)
    assert outcomes == ["ok"] * 8, outcomes
    assert SurveyResponse.objects.filter(item=item).count() == 1
    assert SurveyEvent.objects.filter(item=item, action="answered").count() == 1
    # two different answers at once: one stored, the other a conflict
    other = s.items.exclude(pk=item.pk).first()
    outcomes = race((lambda: None, lambda _p: do_record_response(w.actor("surv_lk"), s, other.case_id, score=3,
                                                                 satisfied=False)),
                    (lambda: None, lambda _p: do_record_response(w.actor("surv_lk"), s, other.case_id,
                                                                 unreachable=True)), timeout=120)
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    assert SurveyResponse.objects.filter(item=other).count() == 1
