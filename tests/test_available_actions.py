"""available_actions (what pages and the API offer a person) agrees with what the
actions layer allows: every offered action succeeds for that person, and an
action the person may do is offered."""

import datetime as dt

import pytest
from casebuild import STATES, register, to_state
from django.db import transaction

from minqing.cases import actions
from minqing.cases.errors import Forbidden, IllegalTransition
from minqing.cases.models import Case, ExtensionRequest, Summons


def _arguments(world, action, case):
    later = (case.deadline or dt.date.today()) + dt.timedelta(days=30)
    return {
        "invalidate": {"reason": "无效"},
        "merge": {"into": register(world, text="原件").pk} if action == "merge" else {},
        "assign": {"department": "lk-roads"},
        "return": {"reason": "非本部门"},
        "meet": {"minutes": "会办"},
        "whistle": {"departments": ["lk-housing"]},
        "report": {"text": "报到"},
        "extend": {"deadline": later, "reason": "延期"},
        "handle": {"result": "已办", "disposition": "solved"},
        "progress": {"note": "进展"},
        "visit_back": {"rating": "satisfied", "score": 9},
        "close_by_rule": {"rule": "anonymous"},
        "reopen": {"reason": "复发"},
        "categorize": {"category": "roads_transport"},
        "locate": {"region": "430212101201-G1"},
    }.get(action, {})


def _try(world, who, action, case_id):
    """Run the action in a savepoint that is always rolled back; return the error class or None."""
    with transaction.atomic():
        case = Case.objects.get(pk=case_id)
        try:
            actions.ACTIONS[action](world.actor(who), case, **_arguments(world, action, case))
            outcome = None
        except (Forbidden, IllegalTransition) as e:
            outcome = type(e).__name__
        transaction.set_rollback(True)
    return outcome


PEOPLE = ["disp_zt", "disp_lk", "disp_yx", "water", "roads", "housing", "sup_lk", "leader_city", "rv_lk",
          "cadre_zt", "admin"]


@pytest.mark.parametrize("state", [s for s in STATES if s != "invalid"])
def test_offered_actions_are_allowed_and_allowed_actions_offered(world, state):
    case = to_state(world, state, anonymous=True)
    if state in ("assigned", "in_progress"):
        Summons.objects.create(case=case, department=world.departments["lk-roads"], deadline=dt.date.today())
        ExtensionRequest.objects.create(case=case, new_deadline=dt.date.today() + dt.timedelta(days=60), reason="r")
    case = Case.objects.get(pk=case.pk)
    for who in PEOPLE:
        offered = set(actions.available_actions(world.actor(who), case))
        for action in actions.ACTIONS:
            outcome = _try(world, who, action, case.pk)
            if action in offered:
                assert outcome is None, f"{who} is offered {action} on a {state} case but gets {outcome}"
            else:
                assert outcome is not None, f"{who} may {action} a {state} case but is not offered it"


def test_progress_is_offered_to_a_co_department_exactly_when_allowed(world):
    """The co-department (协办) of an in-progress case records progress; the others do not."""
    case = to_state(world, "assigned")
    Case.objects.get(pk=case.pk).co_departments.set([world.departments["lk-roads"]])
    actions.accept(world.actor("water"), Case.objects.get(pk=case.pk))
    case = Case.objects.get(pk=case.pk)
    offered = {who for who in PEOPLE if "progress" in actions.available_actions(world.actor(who), case)}
    assert offered == {"water", "roads", "admin"}
    for who in PEOPLE:
        assert (_try(world, who, "progress", case.pk) is None) == (who in offered), who
