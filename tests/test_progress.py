"""办理进展: a progress note on a case the department is working on (issue 3).

Who: a handler of the lead department or of a co-department (协办), or an
administrator; not the dispatcher, supervisor, return visitor, cadre, another
department or the public. Which state: in progress only (an assigned case is
not accepted yet, a reopened one waits to be taken back). The note is
required, stripped and at most 2,000 characters; the state stays, the version
moves by one and one ``progress`` event records the note, public only when
the department ticks 公开."""

import pytest
from casebuild import register, snapshot, to_state

from minqing.cases import actions
from minqing.cases.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from minqing.cases.models import Case, Event
from minqing.people.scoping import Actor


def _in_progress(world, co=("lk-housing",)):
    case = register(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water", co_departments=list(co))
    actions.accept(world.actor("water"), case)
    return Case.objects.get(pk=case.pk)


def _last(case):
    return Event.objects.filter(case=case).order_by("-id").first()


def test_lead_records_an_internal_note_and_the_state_stays(world):
    case = _in_progress(world)
    before = snapshot(case)
    actions.progress(world.actor("water"), case, note="  已到现场勘查，管道破裂点已找到  ")
    after = Case.objects.get(pk=case.pk)
    assert after.state == "in_progress" and after.version == before["version"] + 1
    e = _last(case)
    assert (e.action, e.from_state, e.to_state) == ("progress", "in_progress", "in_progress")
    assert e.note == "已到现场勘查，管道破裂点已找到"  # stripped
    assert e.public is False and e.data == {"department": "lk-water", "public": False}
    assert e.actor_label == "water"


def test_public_flag_makes_the_event_public(world):
    case = _in_progress(world)
    actions.progress(world.actor("water"), case, note="已订购新管道，预计周五更换", public=True)
    e = _last(case)
    assert e.public is True and e.data["public"] is True


def test_a_co_department_records_progress_for_itself(world):
    case = _in_progress(world)
    actions.progress(world.actor("housing"), case, note="住建局已协调物业停水检修")
    assert _last(case).data["department"] == "lk-housing"


def test_admin_records_progress_for_the_lead(world):
    case = _in_progress(world)
    actions.progress(world.actor("admin"), case, note="管理员补录进展")
    assert _last(case).data["department"] == "lk-water"


@pytest.mark.parametrize("who", ["roads", "yxwater", "disp_zt", "disp_lk", "sup_lk", "leader_city", "rv_lk",
                                 "cadre_zt", "public"])
def test_others_are_refused_and_nothing_changes(world, who):
    case = _in_progress(world)
    before = snapshot(case)
    actor = Actor.public() if who == "public" else world.actor(who)
    with pytest.raises(Forbidden):
        actions.progress(actor, case, note="进展")
    assert snapshot(case) == before


@pytest.mark.parametrize("state", ["registered", "assigned", "handled", "closed", "reopened", "merged", "invalid"])
def test_only_in_progress(world, state):
    case = to_state(world, state)
    before = snapshot(case)
    with pytest.raises(IllegalTransition):
        actions.progress(world.actor("water"), case, note="进展")
    assert snapshot(case) == before


@pytest.mark.parametrize("kwargs,field", [
    ({"note": ""}, "note"),
    ({"note": "   \n "}, "note"),
    ({"note": None}, "note"),
    ({"note": "x" * 2001}, "note"),
    ({"note": "停水\x00"}, "note"),
    ({"note": "进展", "public": "yes"}, "public"),
    ({"note": "进展", "public": 2}, "public"),
])
def test_bad_input_names_the_field(world, kwargs, field):
    case = _in_progress(world)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as err:
        actions.progress(world.actor("water"), case, **kwargs)
    assert err.value.field == field and err.value.status == 422
    assert snapshot(case) == before


def test_longest_note_is_accepted(world):
    case = _in_progress(world)
    actions.progress(world.actor("water"), case, note="进" * 2000)
    assert len(_last(case).note) == 2000


def test_a_stale_case_conflicts_and_changes_nothing(world):
    """Someone handled the case after the page was loaded: the note loses cleanly."""
    case = _in_progress(world)
    stale = Case.objects.get(pk=case.pk)
    actions.handle(world.actor("water"), Case.objects.get(pk=case.pk), result="已修复", disposition="solved")
    before = snapshot(case)
    with pytest.raises(Conflict):
        actions.progress(world.actor("housing"), stale, note="协办进展")
    assert snapshot(case) == before and Case.objects.get(pk=case.pk).state == "handled"


def test_a_note_first_makes_a_stale_transition_conflict(world):
    case = _in_progress(world)
    stale = Case.objects.get(pk=case.pk)
    actions.progress(world.actor("housing"), Case.objects.get(pk=case.pk), note="协办进展")
    with pytest.raises(Conflict):
        actions.handle(world.actor("water"), stale, result="已修复", disposition="solved")
    assert Case.objects.get(pk=case.pk).state == "in_progress"


def test_offered_to_lead_co_and_admin_only_while_in_progress(world):
    case = _in_progress(world)
    offered = {who: "progress" in actions.available_actions(world.actor(who), case)
               for who in ("water", "housing", "admin", "roads", "disp_zt", "sup_lk", "rv_lk", "cadre_zt")}
    assert offered == {"water": True, "housing": True, "admin": True, "roads": False, "disp_zt": False,
                       "sup_lk": False, "rv_lk": False, "cadre_zt": False}
    actions.handle(world.actor("water"), case, result="已修复", disposition="solved")
    case = Case.objects.get(pk=case.pk)
    assert "progress" not in actions.available_actions(world.actor("water"), case)
