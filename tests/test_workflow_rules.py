"""The rules of WORKFLOW.md beyond the state table: escalation moves ownership,
whistle and report, extensions, close by rule, the reopen window, merging
into an open original, tasks block closing, effects on close."""

import datetime as dt

import pytest
from casebuild import register, snapshot, system, to_state
from django.utils import timezone

from minqing.cases import actions
from minqing.cases.errors import Forbidden, IllegalTransition, InvalidInput
from minqing.cases.models import Case, Effect, Event, ExtensionRequest, ReturnVisit, Summons


def reload(case):
    return Case.objects.get(pk=case.pk)


# ---- escalate ----------------------------------------------------------------------


def test_escalate_moves_ownership_up_and_the_lower_dispatcher_loses_it(world):
    case = register(world)
    assert case.owner_region.code == "430212101"
    actions.escalate(world.actor("disp_zt"), case, note="需要区里统筹")
    case = reload(case)
    assert case.owner_region.code == "430212" and case.state == "registered"
    ev = case.events.last()
    assert ev.action == "escalate" and ev.data == {"from": "430212101", "to": "430212"}
    before = snapshot(case)
    with pytest.raises(Forbidden):
        actions.assign(world.actor("disp_zt"), case, department="lk-water")
    with pytest.raises(Forbidden):
        actions.escalate(world.actor("disp_zt"), case)
    assert snapshot(case) == before
    actions.assign(world.actor("disp_lk"), case, department="lk-water")
    assert reload(case).state == "assigned"


def test_escalating_a_case_in_hand_makes_it_coordinated(world):
    case = to_state(world, "in_progress")
    actions.escalate(world.actor("water"), case)
    case = reload(case)
    assert case.mode == "coordinated" and case.owner_region.code == "430212" and case.state == "in_progress"


def test_no_region_above_the_top(world):
    case = register(world)
    actions.escalate(world.actor("disp_zt"), case)  # -> county
    actions.escalate(world.actor("disp_lk"), reload(case))  # -> city
    actions.escalate(world.actor("admin"), reload(case))  # -> province
    case = reload(case)
    assert case.owner_region.code == "430000"
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as err:
        actions.escalate(world.actor("admin"), case)
    assert err.value.code == "no_higher_region"
    assert snapshot(case) == before


# ---- whistle and report ------------------------------------------------------------


def test_whistle_then_report_shows_who_has_and_has_not_reported(world):
    case = to_state(world, "assigned")
    actions.whistle(world.actor("disp_zt"), case, departments=["lk-roads", "lk-housing", "zt-office"],
                    deadline=dt.date.today() + dt.timedelta(days=3))
    status = {s.department.code: s.reported_at is not None for s in Summons.objects.filter(case=case)}
    assert status == {"lk-roads": False, "lk-housing": False, "zt-office": False}
    # a summoned department sees the case although it neither leads nor co-handles it
    from minqing.people.scoping import visible_cases

    assert visible_cases(world.actor("roads"), Case.objects.all()).filter(pk=case.pk).exists()
    actions.report(world.actor("roads"), reload(case), text="已派人到场")
    actions.report(world.actor("ztoffice"), reload(case), text="已参加")
    status = {s.department.code: s.reported_at is not None for s in Summons.objects.filter(case=case)}
    assert status == {"lk-roads": True, "lk-housing": False, "zt-office": True}
    assert Summons.objects.get(case=case, department__code="lk-roads").report == "已派人到场"
    case = reload(case)
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as err:
        actions.report(world.actor("roads"), case, text="再报一次")
    assert err.value.code == "already_reported"
    assert snapshot(case) == before
    assert [e.action for e in case.events.all()][-3:] == ["whistle", "report", "report"]


def test_whistle_notifies_the_summoned_departments(world):
    from minqing.people.models import Notification

    case = to_state(world, "in_progress")
    actions.whistle(world.actor("disp_zt"), case, departments=["lk-roads"])
    assert Notification.objects.filter(user=world.users["roads"], case=case, kind="summoned").count() == 1


# ---- extensions -----------------------------------------------------------------


def test_extension_approved_changes_the_deadline(world):
    case = to_state(world, "in_progress")
    old = case.deadline
    new = old + dt.timedelta(days=20)
    actions.extend(world.actor("water"), case, deadline=new, reason="需采购设备")
    assert reload(case).deadline == old  # asking changes nothing yet
    with pytest.raises(IllegalTransition) as err:
        actions.extend(world.actor("water"), reload(case), deadline=new + dt.timedelta(days=1), reason="再延")
    assert err.value.code == "extension_pending"
    actions.approve_extension(world.actor("disp_zt"), reload(case), note="同意")
    case = reload(case)
    assert case.deadline == new and case.alert_level == "green"
    req = ExtensionRequest.objects.get(case=case)
    assert req.status == "approved" and req.decided_by == world.users["disp_zt"]
    with pytest.raises(IllegalTransition) as err:
        actions.approve_extension(world.actor("disp_zt"), case)
    assert err.value.code == "no_pending_extension"


def test_extension_refused_keeps_the_deadline(world):
    case = to_state(world, "assigned")
    old = case.deadline
    actions.extend(world.actor("water"), case, deadline=old + dt.timedelta(days=9), reason="人手不足")
    actions.approve_extension(world.actor("disp_zt"), reload(case), approved=False, note="不同意")
    case = reload(case)
    assert case.deadline == old
    assert ExtensionRequest.objects.get(case=case).status == "refused"
    assert case.events.last().data["approved"] is False
    # a new request may be made after a refusal
    actions.extend(world.actor("water"), case, deadline=old + dt.timedelta(days=5), reason="再次申请")


# ---- close by rule --------------------------------------------------------------------


def test_close_by_rule_anonymous(world):
    case = to_state(world, "handled", anonymous=True)
    actions.close_by_rule(system(), case, rule="anonymous")
    case = reload(case)
    assert case.state == "closed" and case.close_rule == "anonymous" and not case.resolved
    assert case.events.last().data == {"rule": "anonymous"}
    assert Effect.objects.get(case=case).rule == "anonymous"


def test_close_by_rule_anonymous_refused_when_the_reporter_left_a_phone(world):
    case = to_state(world, "handled")
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as err:
        actions.close_by_rule(system(), case, rule="anonymous")
    assert err.value.code == "rule_not_met"
    assert snapshot(case) == before


def test_close_by_rule_unreachable_after_three_attempts(world):
    rv = world.actor("rv_lk")
    case = to_state(world, "handled")
    for attempt in range(3):
        if attempt:
            before = snapshot(case)
            with pytest.raises(IllegalTransition):
                actions.close_by_rule(rv, reload(case), rule="unreachable")
            assert snapshot(case) == before
        actions.visit_back(rv, reload(case), reached=False, note=f"第{attempt + 1}次无人接听")
        assert reload(case).state == "handled"
    assert ReturnVisit.objects.filter(case=case, reached=False).count() == 3
    actions.close_by_rule(rv, reload(case), rule="unreachable")
    case = reload(case)
    assert case.state == "closed" and case.close_rule == "unreachable"
    assert Effect.objects.get(case=case).rule == "unreachable"


def test_unreachable_attempts_before_the_latest_handling_do_not_count(world):
    rv, disp, water = world.actor("rv_lk"), world.actor("disp_zt"), world.actor("water")
    case = to_state(world, "handled")
    for _ in range(3):
        actions.visit_back(rv, reload(case), reached=False)
    actions.reopen(disp, reload(case), reason="核实未解决")
    actions.accept(water, reload(case))
    actions.handle(water, reload(case), result="再次处理", disposition="solved")
    with pytest.raises(IllegalTransition):
        actions.close_by_rule(rv, reload(case), rule="unreachable")


# ---- reopen -----------------------------------------------------------------------------


def _closed_at(world, days_ago):
    rv = world.actor("rv_lk")
    case = to_state(world, "handled")
    actions.visit_back(rv, case, rating="satisfied", score=9, at=timezone.now() - dt.timedelta(days=days_ago))
    return reload(case)


def test_reopen_within_30_days(world):
    case = _closed_at(world, 29)
    assert Effect.objects.filter(case=case).exists()
    actions.reopen(world.actor("disp_zt"), case, reason="群众再次反映")
    case = reload(case)
    assert case.state == "reopened" and case.reopen_count == 1 and case.closed_at is None and case.close_rule == ""
    assert not Effect.objects.filter(case=case).exists()
    actions.accept(world.actor("water"), case)
    assert reload(case).state == "in_progress"


def test_reopen_refused_after_30_days(world):
    case = _closed_at(world, 31)
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as err:
        actions.reopen(world.actor("disp_zt"), case, reason="太晚了")
    assert err.value.code == "reopen_window_passed"
    assert snapshot(case) == before and Effect.objects.filter(case=case).exists()


def test_unsatisfied_visit_reopens(world):
    case = to_state(world, "reopened")
    assert case.reopen_count == 1 and case.last_rating == "unsatisfied" and case.closed_at is None
    assert not Effect.objects.filter(case=case).exists()


# ---- merge -----------------------------------------------------------------------------------


def test_merge_into_an_open_original(world):
    original = to_state(world, "in_progress")
    dup = register(world, text="同一处停水，再报一次", reporter_name="李四", reporter_phone="13900001111")
    actions.merge(world.actor("disp_zt"), dup, into=original.pk)
    dup, original2 = reload(dup), reload(original)
    assert dup.state == "merged" and dup.merged_into_id == original.pk
    assert original2.state == "in_progress" and original2.version == original.version + 1
    ev = original2.events.last()
    assert ev.action == "merge_in" and ev.data["case"] == dup.pk


@pytest.mark.parametrize("target_state", ["closed", "merged", "invalid"])
def test_merge_only_into_an_open_original(world, target_state):
    target = to_state(world, target_state)
    dup = register(world)
    before, before_target = snapshot(dup), snapshot(target)
    with pytest.raises(InvalidInput) as err:
        actions.merge(world.actor("disp_zt"), dup, into=target.pk)
    assert err.value.field == "into"
    assert snapshot(dup) == before and snapshot(target) == before_target


def test_merge_into_itself_is_refused(world):
    case = register(world)
    with pytest.raises(InvalidInput):
        actions.merge(world.actor("disp_zt"), case, into=case.pk)


# ---- tasks and effects -----------------------------------------------------------------------


def test_a_case_cannot_close_while_a_task_is_open(world):
    water, rv = world.actor("water"), world.actor("rv_lk")
    case = to_state(world, "in_progress", anonymous=False)
    other = to_state(world, "in_progress")
    task = actions.create_task(water, title="更换主管道", department="lk-water", cases=[case.pk, other.pk])
    assert set(task.cases.values_list("pk", flat=True)) == {case.pk, other.pk}
    assert Event.objects.filter(action="task_created", case__in=[case, other]).count() == 2
    actions.handle(water, reload(case), result="已更换", disposition="solved")
    case = reload(case)
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as err:
        actions.visit_back(rv, case, rating="satisfied", score=9)
    assert err.value.code == "open_tasks"
    with pytest.raises(IllegalTransition):
        actions.close_by_rule(system(), case, rule="anonymous")
    assert snapshot(case) == before
    assert not ReturnVisit.objects.filter(case=case).exists()
    with pytest.raises(Forbidden):
        actions.complete_task(world.actor("roads"), task, outcome="不是我们的")
    actions.complete_task(water, task, outcome="主管道已更换")
    with pytest.raises(IllegalTransition):
        actions.complete_task(water, task, outcome="再次完成")
    actions.visit_back(rv, reload(case), rating="satisfied", score=9)
    assert reload(case).state == "closed"


def test_effect_created_on_close(world):
    case = to_state(world, "closed")
    effect = Effect.objects.get(case=case)
    assert effect.what_was_done == "已抢修管道恢复供水"
    assert effect.confirmed_by == "rv_lk" and effect.rule == "satisfied"
    assert effect.rating == "satisfied" and effect.score == 9
    case = reload(case)
    assert case.resolved and case.close_rule == "satisfied"


def test_reporter_confirms_through_the_public_actor(world):
    from minqing.people.scoping import Actor

    case = to_state(world, "handled")
    actions.visit_back(Actor.public(), case, rating="basically_satisfied", score=7)
    effect = Effect.objects.get(case=case)
    assert effect.confirmed_by == "反映人" and ReturnVisit.objects.get(case=case).via == "reporter"


def test_an_explained_case_closed_satisfied_is_not_resolved(world):
    water, rv = world.actor("water"), world.actor("rv_lk")
    case = to_state(world, "in_progress")
    actions.handle(water, case, result="已做解释", disposition="explained")
    actions.visit_back(rv, reload(case), rating="satisfied", score=8)
    case = reload(case)
    assert case.state == "closed" and not case.resolved


def test_events_are_append_only(world):
    ev = register(world).events.first()
    with pytest.raises(RuntimeError):
        ev.save()
    with pytest.raises(RuntimeError):
        ev.delete()
