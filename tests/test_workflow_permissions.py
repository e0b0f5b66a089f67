"""Who may do what: the dispatcher owning the case (by owner_region, or one
above it), the lead department only, a supervisor or leader covering the
case's region, a return visitor. Everyone else gets Forbidden and nothing
changes."""

import datetime as dt

import pytest
from casebuild import register, snapshot, system, to_state

from minqing.cases import actions
from minqing.cases.errors import Forbidden
from minqing.cases.models import Case, ExtensionRequest
from minqing.people.scoping import Actor

LATER = dt.date.today() + dt.timedelta(days=90)


def _assigned_with_co(world):
    case = register(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water", co_departments=["lk-housing"])
    return Case.objects.get(pk=case.pk)


def _in_progress(world):
    case = _assigned_with_co(world)
    actions.accept(world.actor("water"), case)
    return Case.objects.get(pk=case.pk)


def _with_pending_extension(world):
    case = _in_progress(world)
    actions.extend(world.actor("water"), case, deadline=LATER, reason="等待材料")
    return Case.objects.get(pk=case.pk)


def _duplicate(world):
    original = register(world, text="原件")
    case = register(world)
    case.original_pk = original.pk
    return case


def _handled(world, **kw):
    case = to_state(world, "handled", **kw)
    return case


# action -> (make the case, call(actor, case), who may, who may not)
DISPATCHERS_OK = ["disp_zt", "disp_lk", "admin"]
DISPATCHERS_NO = ["disp_yx", "water", "sup_lk", "leader_city", "rv_lk", "cadre_zt"]
LEAD_OK = ["water", "admin"]
LEAD_NO = ["roads", "housing", "disp_zt", "sup_lk", "leader_city", "rv_lk", "cadre_zt"]

RULES = {
    "assign": (lambda w: register(w), lambda a, c, w: actions.assign(a, c, department="lk-water"),
               DISPATCHERS_OK, DISPATCHERS_NO),
    "invalidate": (lambda w: register(w), lambda a, c, w: actions.invalidate(a, c, reason="广告"),
                   DISPATCHERS_OK, DISPATCHERS_NO),
    "merge": (_duplicate, lambda a, c, w: actions.merge(a, c, into=c.original_pk),
              DISPATCHERS_OK, DISPATCHERS_NO),
    "whistle": (_in_progress, lambda a, c, w: actions.whistle(a, c, departments=["lk-roads"]),
                DISPATCHERS_OK, DISPATCHERS_NO),
    "approve_extension": (_with_pending_extension, lambda a, c, w: actions.approve_extension(a, c),
                          DISPATCHERS_OK, DISPATCHERS_NO),
    "reopen": (_handled, lambda a, c, w: actions.reopen(a, c, reason="复发"), DISPATCHERS_OK, DISPATCHERS_NO),
    "accept": (_assigned_with_co, lambda a, c, w: actions.accept(a, c), LEAD_OK, LEAD_NO),
    "return": (_assigned_with_co, lambda a, c, w: actions.return_case(a, c, reason="非本部门"), LEAD_OK, LEAD_NO),
    "meet": (_in_progress, lambda a, c, w: actions.meet(a, c, minutes="会办"), LEAD_OK, LEAD_NO),
    "extend": (_in_progress, lambda a, c, w: actions.extend(a, c, deadline=LATER, reason="等待材料"),
               LEAD_OK, LEAD_NO),
    "handle": (_in_progress, lambda a, c, w: actions.handle(a, c, result="已办", disposition="explained"),
               LEAD_OK, LEAD_NO),
    "escalate": (_in_progress, lambda a, c, w: actions.escalate(a, c),
                 ["disp_zt", "water", "disp_lk", "admin"], ["roads", "housing", "sup_lk", "leader_city", "disp_yx",
                                                            "rv_lk"]),
    "supervise": (_in_progress, lambda a, c, w: actions.supervise(a, c, note="督办"),
                  ["sup_lk", "leader_city", "admin"], ["leader_yx", "water", "disp_zt", "rv_lk", "cadre_zt"]),
    "visit_back": (_handled, lambda a, c, w: actions.visit_back(a, c, rating="basically_satisfied", score=8),
                   ["rv_lk", "disp_zt", "public", "admin"], ["water", "sup_lk", "leader_city", "disp_yx",
                                                               "cadre_zt"]),
    "close_by_rule": (lambda w: _handled(w, anonymous=True),
                      lambda a, c, w: actions.close_by_rule(a, c, rule="anonymous"),
                      ["system", "rv_lk", "disp_zt", "admin"], ["water", "leader_city", "sup_lk", "disp_yx"]),
}


def _actor(world, name):
    if name == "system":
        return system()
    if name == "public":
        return Actor.public()
    return world.actor(name)


ALLOWED = [(a, who) for a, (_, _, ok, _) in RULES.items() for who in ok]
REFUSED = [(a, who) for a, (_, _, _, no) in RULES.items() for who in no]


@pytest.mark.parametrize("action,who", ALLOWED, ids=[f"{a}-by-{w}" for a, w in ALLOWED])
def test_allowed(world, action, who):
    make, call, _, _ = RULES[action]
    case = make(world)
    before = snapshot(case)
    call(_actor(world, who), case, world)
    assert Case.objects.get(pk=case.pk).version == before["version"] + 1


@pytest.mark.parametrize("action,who", REFUSED, ids=[f"{a}-by-{w}" for a, w in REFUSED])
def test_refused(world, action, who):
    make, call, _, _ = RULES[action]
    case = make(world)
    before = snapshot(case)
    with pytest.raises(Forbidden):
        call(_actor(world, who), case, world)
    assert snapshot(case) == before


def test_only_a_summoned_department_reports(world):
    case = _in_progress(world)
    actions.whistle(world.actor("disp_zt"), case, departments=["lk-roads"])
    case = Case.objects.get(pk=case.pk)
    before = snapshot(case)
    # the lead department itself was not summoned, nor was a department of another county
    for who in ("water", "yxwater", "disp_zt", "sup_lk"):
        with pytest.raises(Forbidden):
            actions.report(world.actor(who), case, text="报到")
    assert snapshot(case) == before
    actions.report(world.actor("roads"), case, text="已到现场")


def test_refused_extension_is_dispatchers_too(world):
    case = _with_pending_extension(world)
    with pytest.raises(Forbidden):
        actions.approve_extension(world.actor("water"), case, approved=False)
    assert ExtensionRequest.objects.get(case=case).status == ExtensionRequest.PENDING
