"""Required and bounded inputs: the action answers InvalidInput naming the field
and changes nothing."""

import datetime as dt

import pytest
from casebuild import register, snapshot, to_state

from minqing.cases import actions
from minqing.cases.errors import InvalidInput
from minqing.cases.models import Case, Event

YESTERDAY = dt.date.today() - dt.timedelta(days=1)

# (state to start from, who, action, kwargs, field named)
CASES = [
    ("registered", "disp_zt", "invalidate", {"reason": "  "}, "reason"),
    ("registered", "disp_zt", "assign", {"department": ""}, "department"),
    ("registered", "disp_zt", "assign", {"department": "no-such"}, "department"),
    ("registered", "disp_zt", "assign", {"department": "lk-water", "mode": "fast"}, "mode"),
    ("registered", "disp_zt", "assign", {"department": "lk-water", "deadline": "2025-13-01"}, "deadline"),
    ("registered", "disp_zt", "assign", {"department": "lk-water", "deadline": YESTERDAY}, "deadline"),
    ("registered", "disp_zt", "assign", {"department": "lk-water", "co_departments": ["nope"]}, "co_departments"),
    ("registered", "disp_zt", "merge", {"into": None}, "into"),
    ("registered", "disp_zt", "merge", {"into": 987654}, "into"),
    ("assigned", "water", "return", {"reason": ""}, "reason"),
    ("in_progress", "water", "meet", {"minutes": ""}, "minutes"),
    ("in_progress", "water", "meet", {"minutes": "会办", "departments": ["nope"]}, "departments"),
    ("in_progress", "disp_zt", "whistle", {"departments": []}, "departments"),
    ("in_progress", "disp_zt", "whistle", {"departments": ["lk-roads"], "deadline": YESTERDAY}, "deadline"),
    ("in_progress", "sup_lk", "supervise", {"due": YESTERDAY}, "due"),
    ("in_progress", "water", "extend", {"deadline": None, "reason": "x"}, "deadline"),
    ("in_progress", "water", "extend", {"deadline": "2099-01-01", "reason": ""}, "reason"),
    ("in_progress", "water", "extend", {"deadline": "2000-01-01", "reason": "x"}, "deadline"),
    ("in_progress", "water", "handle", {"result": "", "disposition": "solved"}, "result"),
    ("in_progress", "water", "handle", {"result": "已办", "disposition": ""}, "disposition"),
    ("in_progress", "water", "handle", {"result": "已办", "disposition": "done"}, "disposition"),
    ("in_progress", "water", "handle", {"result": "x" * 5001, "disposition": "solved"}, "result"),
    ("handled", "rv_lk", "visit_back", {"rating": None}, "rating"),
    ("handled", "rv_lk", "visit_back", {"rating": "happy"}, "rating"),
    ("handled", "rv_lk", "visit_back", {"rating": "satisfied", "score": 11}, "score"),
    ("handled", "rv_lk", "visit_back", {"rating": "satisfied", "score": 0}, "score"),
    ("handled", "rv_lk", "visit_back", {"rating": "satisfied", "score": "ten"}, "score"),
    ("handled", "rv_lk", "close_by_rule", {"rule": ""}, "rule"),
    ("handled", "rv_lk", "close_by_rule", {"rule": "bored"}, "rule"),
    ("handled", "rv_lk", "close_by_rule", {"rule": "satisfied"}, "rule"),
    ("handled", "disp_zt", "reopen", {"reason": ""}, "reason"),
]


@pytest.mark.parametrize("state,who,action,kwargs,field", CASES,
                         ids=[f"{c[2]}-{c[4]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_refused_with_the_field(world, state, who, action, kwargs, field):
    case = to_state(world, state)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as err:
        actions.ACTIONS[action](world.actor(who), case, **kwargs)
    assert err.value.field == field
    assert err.value.status == 422 and err.value.as_dict()["field"] == field
    assert snapshot(case) == before


REGISTER_BAD = [
    ({"text": "  "}, "text"),
    ({"text": "x" * 5001}, "text"),
    ({"channel": "pigeon"}, "channel"),
    ({"channel": ""}, "channel"),
    ({"kind": "rant"}, "kind"),
    ({"category": "no_such"}, "category"),
    ({"region": "999999"}, "region"),
    ({"reporter_phone": "call me"}, "reporter_phone"),
    ({"reporter_name": "名" * 101}, "reporter_name"),
    ({"address": "路" * 301}, "address"),
    ({"lat": 91.0}, "lat"),
    ({"lng": -181.0}, "lng"),
    ({"lat": "north"}, "lat"),
    ({"lng": float("nan")}, "lng"),
]


@pytest.mark.parametrize("kwargs,field", REGISTER_BAD, ids=[f for _, f in REGISTER_BAD])
def test_register_refuses_bad_input(world, kwargs, field):
    n_cases, n_events = Case.objects.count(), Event.objects.count()
    with pytest.raises(InvalidInput) as err:
        register(world, **kwargs)
    assert err.value.field == field
    assert (Case.objects.count(), Event.objects.count()) == (n_cases, n_events)


def test_register_gives_a_tracking_code_and_one_event(world):
    case = register(world, anonymous=True)
    assert case.state == "registered" and case.tracking_code.startswith("MQ") and len(case.tracking_code) == 12
    # anonymous: contact data is not kept; the township owns a village's case
    assert case.reporter_name == "" and case.reporter_phone == ""
    assert case.owner_region.code == "430212101"
    assert [(e.action, e.from_state, e.to_state) for e in case.events.all()] == [("register", "", "registered")]
    other = register(world)
    assert other.tracking_code != case.tracking_code
