"""One test per notice kind: the right people get it, linked to the case, written in the
transaction of the action that causes it (a rolled-back action leaves no notice)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from minqing.cases import actions
from minqing.cases.models import Case
from minqing.notices import core as notices
from minqing.notices.models import Outbound
from minqing.people.models import Membership, Notification
from minqing.supervision.sweep import sweep

VILLAGE = "430212101201"


def register(world, phone="13812345678", **kw):
    return actions.register(world.actor("disp_zt"), text="朱亭村三组停水两天了", channel="hotline", kind="complaint",
                            category="water_supply", region=VILLAGE, reporter_name="张三", reporter_phone=phone, **kw)


def assigned(world, **kw):
    case = register(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water", **kw)
    return case


def in_progress(world):
    case = assigned(world)
    actions.accept(world.actor("water"), case)
    return case


def got(kind, case=None):
    qs = Notification.objects.filter(kind=kind)
    if case is not None:
        qs = qs.filter(case=case)
    return sorted(qs.values_list("user__username", flat=True))


def test_assigned_goes_to_the_lead_departments_handlers(world):
    second = Membership.objects.create(user=world.users["roads"], role="handler", department=world.departments["lk-water"])
    case = assigned(world)
    assert got("assigned", case) == ["roads", "water"]
    n = Notification.objects.filter(kind="assigned").first()
    assert n.case_id == case.pk and n.read_at is None and case.tracking_code in n.message
    assert second.pk


def test_summoned_goes_to_each_whistled_department(world):
    case = in_progress(world)
    actions.whistle(world.actor("disp_zt"), case, departments=["lk-roads", "lk-housing"])
    assert got("summoned", case) == ["housing", "roads"]


def test_supervised_goes_to_the_lead_department_with_note_and_due(world):
    case = in_progress(world)
    due = timezone.localdate() + dt.timedelta(days=3)
    actions.supervise(world.actor("sup_lk"), case, note="群众反映强烈，尽快恢复供水", due=due)
    assert got("supervised", case) == ["water"]
    n = Notification.objects.get(kind="supervised")
    text = notices.text_of(n)
    assert due.isoformat() in text and "群众反映强烈" in text


@pytest.mark.parametrize("approved", [True, False])
def test_extension_decided_goes_to_the_lead_department(world, approved):
    case = in_progress(world)
    new = case.deadline + dt.timedelta(days=10)
    actions.extend(world.actor("water"), case, deadline=new, reason="需要更换主管道")
    actions.approve_extension(world.actor("disp_zt"), case, approved=approved)
    assert got("extension_decided", case) == ["water"]
    text = notices.text_of(Notification.objects.get(kind="extension_decided"))
    assert ("已批准" in text and new.isoformat() in text) if approved else "未获批准" in text


def test_sweep_gives_red_and_yellow_per_case_to_the_lead_department(world):
    past = timezone.now() - dt.timedelta(days=20)
    late = register(world)
    actions.assign(world.actor("disp_zt"), late, department="lk-water", deadline=(past + dt.timedelta(days=2)).date(),
                   at=past)
    soon = register(world)
    actions.assign(world.actor("disp_zt"), soon, department="lk-roads", deadline=timezone.localdate())
    Case.objects.filter(pk=soon.pk).update(alert_level="green")  # as if assigned before today's cut-off
    far = assigned(world, deadline=timezone.localdate() + dt.timedelta(days=30))
    Notification.objects.all().delete()
    day = timezone.localdate()
    from minqing.supervision.alerts import alert_level

    sweep(day)
    assert got("red", late) == ["water"]
    assert got("red") == ["water"]
    if alert_level(soon.deadline, day) == "yellow":
        assert got("yellow", soon) == ["roads"]
    assert not Notification.objects.filter(case=far).exists()
    red = Notification.objects.get(kind="red")
    assert late.tracking_code in notices.text_of(red) and late.deadline.isoformat() in notices.text_of(red)
    # the next sweep finds nothing new: no second notice
    sweep(day)
    assert got("red") == ["water"]


def test_reopened_goes_to_the_lead_department(world):
    case = in_progress(world)
    actions.handle(world.actor("water"), case, result="已修复", disposition="solved")
    Notification.objects.all().delete()
    actions.reopen(world.actor("disp_zt"), case, reason="群众反映仍然停水")
    assert got("reopened", case) == ["water"]


def test_an_unsatisfied_return_visit_is_a_reopen_too(world):
    case = in_progress(world)
    actions.handle(world.actor("water"), case, result="已修复", disposition="solved")
    actions.visit_back(world.actor("rv_lk"), case, rating="unsatisfied", note="还是没水")
    assert got("reopened", case) == ["water"]


def test_task_assigned_goes_to_the_tasks_department(world):
    case = in_progress(world)
    other = in_progress(world)
    actions.create_task(world.actor("water"), title="排查全村管网", department="lk-roads", cases=[case.pk, other.pk])
    assert got("task_assigned") == ["roads"]
    assert "排查全村管网" in notices.text_of(Notification.objects.get(kind="task_assigned"))


def test_returned_goes_to_the_dispatchers_of_the_owning_region(world):
    case = assigned(world)
    actions.return_case(world.actor("water"), case, reason="不属于本部门职责")
    # 朱亭镇 owns the case: its dispatcher, not the county's
    assert got("returned", case) == ["disp_zt"]
    assert "渌口区水务局" in notices.text_of(Notification.objects.get(kind="returned"))


def test_returned_falls_back_to_the_region_above(world):
    Membership.objects.filter(user=world.users["disp_zt"]).delete()
    case = register(world)
    actions.assign(world.actor("disp_lk"), case, department="lk-water")
    actions.return_case(world.actor("water"), case, reason="不属于本部门职责")
    assert got("returned", case) == ["disp_lk"]


ROLLED_BACK = [
    ("assigned", lambda w, c: actions.assign(w.actor("disp_zt"), c, department="lk-water")),
    ("summoned", lambda w, c: actions.whistle(w.actor("disp_zt"), c, departments=["lk-roads"])),
    ("supervised", lambda w, c: actions.supervise(w.actor("sup_lk"), c, note="督办")),
    ("returned", lambda w, c: actions.return_case(w.actor("water"), c, reason="不是我们的")),
]


@pytest.mark.parametrize("kind,act", ROLLED_BACK, ids=[k for k, _ in ROLLED_BACK])
def test_a_rolled_back_action_leaves_no_notice(world, kind, act):
    case = register(world) if kind == "assigned" else assigned(world)
    Notification.objects.all().delete()
    Outbound.objects.all().delete()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            act(world, case)
            assert Notification.objects.filter(kind=kind).exists()  # written inside the transaction
            raise RuntimeError("the caller's transaction fails after the action")
    assert not Notification.objects.exists()
    assert not Outbound.objects.exists()


def test_a_refused_action_leaves_no_notice(world):
    case = assigned(world)
    Notification.objects.all().delete()
    with pytest.raises(Exception):  # noqa: B017 - whichever error, nothing is half-sent
        actions.whistle(world.actor("disp_zt"), case, departments=["lk-roads", "no-such-dept"])
    assert not Notification.objects.exists()


def test_email_to_staff_with_an_address_for_the_configured_kinds(world, settings):
    settings.MINQING_NOTICE_EMAIL_KINDS = ["supervised"]
    world.users["water"].email = "water@example.org"
    world.users["water"].save()
    case = in_progress(world)  # assigned: not an e-mail kind
    assert not Outbound.objects.filter(channel="email").exists()
    actions.supervise(world.actor("sup_lk"), case, note="尽快办理")
    mail = Outbound.objects.get(channel="email")
    assert mail.recipient == "water@example.org" and mail.case_id == case.pk and mail.status == "pending"
    assert f"/case/{case.pk}/" in mail.body and "尽快办理" in mail.body


def test_reporter_sms_on_registration_and_answer_with_the_tracking_link(world, settings):
    settings.MINQING_PUBLIC_URL = "https://mq.example.gov.cn"
    case = in_progress(world)
    anonymous = register(world, phone="13900000000", anonymous=True)
    no_phone = register(world, phone="")
    actions.handle(world.actor("water"), case, result="已修复", disposition="solved")
    sms = list(Outbound.objects.filter(channel="sms").order_by("id"))
    assert [(s.purpose, s.case_id) for s in sms] == [("sms_registered", case.pk), ("sms_handled", case.pk)]
    assert all(s.recipient == "13812345678" for s in sms)
    assert f"https://mq.example.gov.cn/t/{case.tracking_code}/" in sms[0].body
    assert case.tracking_code in sms[1].body
    assert not Outbound.objects.filter(case__in=[anonymous, no_phone]).exists()


def test_sms_template_edited_in_the_admin_is_used(world):
    from minqing.notices.models import MessageTemplate

    MessageTemplate.objects.update_or_create(key="sms_registered",
                                             defaults={"body": "已受理 {tracking_code} 详见 {link}", "active": True})
    case = register(world)
    assert Outbound.objects.get(case=case).body == f"已受理 {case.tracking_code} 详见 http://127.0.0.1:8000/t/{case.tracking_code}/"
    row = MessageTemplate.objects.get(key="sms_registered")
    row.active = False
    row.save()  # as the admin does
    register(world)
    assert Outbound.objects.count() == 1


def test_a_registration_does_not_read_the_templates_each_time(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    register(world)
    with CaptureQueriesContext(connection) as q:
        case = register(world)
    sql = [x["sql"] for x in q.captured_queries]
    assert not [x for x in sql if "notices_messagetemplate" in x]
    assert len([x for x in sql if "notices_outbound" in x]) == 1
    assert Outbound.objects.filter(case=case, purpose="sms_registered").exists()


def test_a_backdated_replay_writes_notices_but_sends_nothing(world):
    past = timezone.now() - dt.timedelta(days=30)
    case = register(world, at=past)
    actions.assign(world.actor("disp_zt"), case, department="lk-water", at=past)
    assert not Outbound.objects.exists()
    n = Notification.objects.get(kind="assigned")
    assert n.created_at == past
