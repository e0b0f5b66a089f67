"""Helpers for the core tests: bring a case of the `world` to any state through
the actions layer, and snapshot what must not change when an action is refused."""

from minqing.cases import actions
from minqing.cases.models import Case, Event
from minqing.people.scoping import Actor

VILLAGE = "430212101201"  # 朱亭村, under 朱亭镇 (430212101), under 渌口区 (430212)
STATES = ["registered", "assigned", "in_progress", "handled", "closed", "reopened", "merged", "invalid"]


def register(world, **kw):
    actor = kw.pop("actor", "disp_zt")
    data = dict(text="朱亭村自来水停了三天", channel="hotline", kind="complaint", category="water_supply",
                region=VILLAGE, reporter_name="张三", reporter_phone="13812340000")
    data.update(kw)
    return actions.register(world.actor(actor), **data)


def to_state(world, state, **kw):
    """A fresh case in ``state`` (registered with ``kw``), reloaded from the database."""
    disp, water, rv = world.actor("disp_zt"), world.actor("water"), world.actor("rv_lk")
    case = register(world, **kw)
    if state == "merged":
        original = register(world, text="同一处停水")
        actions.merge(disp, case, into=original.pk)
    elif state == "invalid":
        actions.invalidate(disp, case, reason="重复骚扰")
    elif state != "registered":
        actions.assign(disp, case, department="lk-water")
        if state != "assigned":
            actions.accept(water, case)
            if state != "in_progress":
                actions.handle(water, case, result="已抢修管道恢复供水", disposition="solved")
                if state == "closed":
                    actions.visit_back(rv, case, rating="satisfied", score=9)
                elif state == "reopened":
                    actions.visit_back(rv, case, rating="unsatisfied", score=3, note="还是没水")
    case = Case.objects.get(pk=case.pk)
    assert case.state == state
    return case


def snapshot(case):
    """What a refused action must leave untouched."""
    row = Case.objects.get(pk=case.pk)
    return {
        "state": row.state,
        "version": row.version,
        "events": Event.objects.filter(case=row).count(),
        "all_events": Event.objects.count(),
        "owner_region": row.owner_region_id,
        "deadline": row.deadline,
        "lead": row.lead_department_id,
    }


def system():
    return Actor.system()
