"""WORKFLOW.md's table: every action from every state.

From an allowed state the action succeeds, moves the case to the table's
target state and appends exactly one event (version + 1). From any other
state it answers IllegalTransition and changes nothing: same state, same
version, no event anywhere.
"""

import datetime as dt

import pytest
from casebuild import STATES, register, snapshot, system, to_state

from minqing.cases import actions
from minqing.cases.errors import IllegalTransition
from minqing.cases.models import Case, Event, ExtensionRequest, Summons

SAME = object()

# action -> (allowed states, target state or SAME)
TABLE = {
    "invalidate": ({"registered"}, "invalid"),
    "merge": ({"registered", "assigned"}, "merged"),
    "assign": ({"registered"}, "assigned"),
    "accept": ({"assigned", "reopened"}, "in_progress"),
    "return": ({"assigned"}, "registered"),
    "escalate": ({"registered", "assigned", "in_progress"}, SAME),
    "meet": ({"in_progress"}, SAME),
    "whistle": ({"assigned", "in_progress"}, SAME),
    "report": ({"assigned", "in_progress"}, SAME),
    "supervise": ({"assigned", "in_progress", "reopened"}, SAME),
    "extend": ({"assigned", "in_progress"}, SAME),
    "approve_extension": ({"assigned", "in_progress"}, SAME),
    "handle": ({"in_progress"}, "handled"),
    "progress": ({"in_progress"}, SAME),
    "visit_back": ({"handled"}, "closed"),
    "close_by_rule": ({"handled"}, "closed"),
    "reopen": ({"handled", "closed"}, "reopened"),
    "categorize": ({"registered", "assigned", "in_progress", "handled", "reopened"}, SAME),
    "locate": ({"registered", "assigned", "in_progress", "handled", "reopened"}, SAME),
    "unmerge": ({"merged"}, "registered"),  # the state it had before the merge
}


def _prepare(world, action, case):
    """What must exist for the action to be possible at all (made directly, so
    the state check is the only thing that can refuse it)."""
    if action == "merge":
        return {"into": register(world, text="同一问题的原件").pk}
    if action == "report":
        Summons.objects.create(case=case, department=world.departments["lk-roads"], deadline=dt.date.today())
    if action == "approve_extension":
        ExtensionRequest.objects.create(case=case, new_deadline=dt.date.today() + dt.timedelta(days=60),
                                        reason="需要施工")
    return {}


def _do(world, action, case, prep):
    later = (case.deadline or dt.date.today()) + dt.timedelta(days=30)
    calls = {
        "invalidate": lambda: actions.invalidate(world.actor("disp_zt"), case, reason="不属于受理范围"),
        "merge": lambda: actions.merge(world.actor("disp_zt"), case, into=prep["into"]),
        "assign": lambda: actions.assign(world.actor("disp_zt"), case, department="lk-roads"),
        "accept": lambda: actions.accept(world.actor("water"), case),
        "return": lambda: actions.return_case(world.actor("water"), case, reason="不属于本部门职责"),
        "escalate": lambda: actions.escalate(world.actor("disp_zt"), case, note="需要区级统筹"),
        "meet": lambda: actions.meet(world.actor("water"), case, minutes="会办纪要", departments=["lk-roads"]),
        "whistle": lambda: actions.whistle(world.actor("disp_zt"), case, departments=["lk-roads"]),
        "report": lambda: actions.report(world.actor("roads"), case, text="已到现场报到"),
        "supervise": lambda: actions.supervise(world.actor("sup_lk"), case, note="请加快办理"),
        "extend": lambda: actions.extend(world.actor("water"), case, deadline=later, reason="管道需更换"),
        "approve_extension": lambda: actions.approve_extension(world.actor("disp_zt"), case),
        "handle": lambda: actions.handle(world.actor("water"), case, result="已修复", disposition="solved"),
        "progress": lambda: actions.progress(world.actor("water"), case, note="已到现场勘查", public=True),
        "visit_back": lambda: actions.visit_back(world.actor("rv_lk"), case, rating="satisfied", score=10),
        "close_by_rule": lambda: actions.close_by_rule(system(), case, rule="anonymous"),
        "reopen": lambda: actions.reopen(world.actor("disp_zt"), case, reason="群众反映问题复发"),
        "categorize": lambda: actions.categorize(world.actor("disp_zt"), case, category="roads_transport"),
        "locate": lambda: actions.locate(world.actor("disp_zt"), case, region="430212101201-G1"),
        "unmerge": lambda: actions.unmerge(world.actor("disp_zt"), case, note="并非同一问题"),
    }
    return calls[action]()


CASES = [(a, s) for a in TABLE for s in STATES]


@pytest.mark.parametrize("action,state", CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_action_from_state(world, action, state):
    allowed, target = TABLE[action]
    case = to_state(world, state, anonymous=(action == "close_by_rule"))
    prep = _prepare(world, action, case)
    case = Case.objects.get(pk=case.pk)
    before = snapshot(case)
    if state in allowed:
        _do(world, action, case, prep)
        after = Case.objects.get(pk=case.pk)
        expected = state if target is SAME else target
        assert after.state == expected
        assert after.version == before["version"] + 1
        new = list(Event.objects.filter(case=after).order_by("id"))[before["events"]:]
        assert [(e.action, e.from_state, e.to_state) for e in new] == [(action, state, expected)]
    else:
        with pytest.raises(IllegalTransition):
            _do(world, action, case, prep)
        assert snapshot(case) == before


def test_every_workflow_action_is_covered():
    assert set(TABLE) == set(actions.ACTIONS)
