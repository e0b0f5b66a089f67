"""社区合伙人 actions: import, partner-owned tasks answered through the partner login, scoping and masking,
summons and meetings with partners, wishes claimed by one of two racing claimants, figures."""

import datetime as dt
import threading

import pytest
from casebuild import register, to_state
from django.db import connection

from minqing.cases import actions as case_actions
from minqing.cases.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from minqing.cases.models import Case, Task
from minqing.partners import actions, figures
from minqing.partners.importers import import_partners
from minqing.partners.models import Partner, Wish
from minqing.people.models import Notification
from minqing.people.scoping import visible_cases
from minqing.regions.importers import ImportFailed


def test_import_exact_columns_all_or_nothing(pw, tmp_path):
    good = tmp_path / "p.csv"
    good.write_text("code,name,kind,region_code,contact,phone\n"
                    "LC-YWH,龙船村业委会,业主委员会,430212102201,王主任,13600001111\n"
                    "ZT-WY,朱亭物业公司(改名),property,430212101201,刘经理,13700001111\n", encoding="utf-8")
    assert import_partners(str(good)) == {"created": 1, "updated": 1, "skipped": 0}
    assert Partner.objects.get(code="LC-YWH").kind == "owners"
    assert Partner.objects.get(code="ZT-WY").name == "朱亭物业公司(改名)"
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind,region_code,contact,phone\n"
                   "A1,甲,property,430212101201,,\n"
                   "A2,乙,spaceship,999,,12\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as e:
        import_partners(str(bad))
    assert "kind" in str(e.value) and "region_code" in str(e.value) and "phone" in str(e.value)
    assert not Partner.objects.filter(code="A1").exists()
    assert import_partners(str(bad), on_error="skip")["created"] == 1
    extra = tmp_path / "extra.csv"
    extra.write_text("code,name,kind,region_code,contact,phone,email\nB,乙,property,430212101201,,,x@y.z\n",
                     encoding="utf-8")
    with pytest.raises(ImportFailed, match="email"):
        import_partners(str(extra))
    missing = tmp_path / "missing.csv"
    missing.write_text("code,name,kind\nB,乙,property\n", encoding="utf-8")
    with pytest.raises(ImportFailed):
        import_partners(str(missing))


def test_partner_owns_a_task_and_answers_it(pw):
    case = to_state(pw, "in_progress")
    other = register(pw, text="龙船村路灯不亮", region="430212102201")
    task = case_actions.create_task(pw.actor("water"), title="物业配合清理水箱", partner="ZT-WY", cases=[case.pk])
    assert task.partner.code == "ZT-WY" and task.department is None
    assert case.events.filter(action="task_created", data__partner="ZT-WY").exists()
    liu = pw.actor("liu")
    assert liu.partner_ids() == {pw.partners["wy"].pk}
    assert Notification.objects.filter(user=pw.users["liu"], kind="task_assigned", case=case).count() == 1
    assert not Notification.objects.filter(user=pw.users["zhou"]).exists()
    seen = set(visible_cases(liu, Case.objects.all()).values_list("pk", flat=True))
    assert seen == {case.pk}  # only the cases of its tasks, not 龙船村's
    assert other.pk not in seen
    assert not liu.can_see_contact(case)  # masked
    with pytest.raises(Forbidden):
        case_actions.complete_task(pw.actor("zhou"), task, outcome="不是我们的任务")
    with pytest.raises(Forbidden):
        case_actions.complete_task(pw.actor("water"), task, outcome="部门不能完成合伙人的任务")
    case_actions.complete_task(liu, task, outcome="已清洗水箱")
    task.refresh_from_db()
    assert task.status == Task.DONE and case.events.filter(action="task_done").exists()


def test_task_owner_is_a_department_or_a_partner(pw):
    case = to_state(pw, "in_progress")
    with pytest.raises(InvalidInput) as e:
        case_actions.create_task(pw.actor("water"), title="x", department="lk-water", partner="ZT-WY", cases=[case.pk])
    assert e.value.field == "partner"
    with pytest.raises(InvalidInput) as e:
        case_actions.create_task(pw.actor("water"), title="x", partner="NOPE", cases=[case.pk])
    assert e.value.field == "partner"
    with pytest.raises(InvalidInput) as e:
        case_actions.create_task(pw.actor("water"), title="x", cases=[case.pk])
    assert e.value.field == "department"


def test_summons_and_meetings_with_partners(pw):
    case = to_state(pw, "in_progress")
    with pytest.raises(Forbidden):
        actions.do_summon_partner(pw.actor("cadre_zt"), case, partner="ZT-WY")
    actions.do_summon_partner(pw.actor("disp_zt"), case, partner="ZT-WY", deadline=dt.date.today(), note="请到场")
    assert case.events.filter(action="partner_summoned", data__partner="ZT-WY").exists()
    assert Notification.objects.filter(user=pw.users["liu"], kind="summoned", case=case).exists()
    liu = pw.actor("liu")
    assert visible_cases(liu, Case.objects.filter(pk=case.pk)).exists()
    with pytest.raises(Forbidden):
        actions.do_partner_report(pw.actor("zhou"), case, text="没被叫")
    s = actions.do_partner_report(liu, case, text="已到现场协助")
    assert s.reported_at is not None
    with pytest.raises(Conflict):
        actions.do_partner_report(liu, case, text="再报一次")
    meeting = actions.do_meet_with_partners(pw.actor("water"), case, minutes="物业、志愿队会商", partners=["ZT-WY", "ZT-ZYZ"])
    assert {p.code for p in meeting.partners.all()} == {"ZT-WY", "ZT-ZYZ"}
    assert case.events.filter(action="meet").exists() and case.events.filter(action="partners_met").exists()
    closed = to_state(pw, "closed")
    with pytest.raises(IllegalTransition):
        actions.do_summon_partner(pw.actor("disp_zt"), closed, partner="ZT-WY")


def test_wish_claim_and_fulfil(pw):
    wish = actions.do_register_wish(pw.actor("cadre_zt"), text="独居老人王奶奶想要一台收音机", region="430212101201",
                                    reporter_name="王奶奶", reporter_phone="13811112222")
    assert wish.case.kind == "wish" and wish.status == Wish.OPEN
    with pytest.raises(NotFound):
        actions.do_claim_wish(pw.actor("yxwy"), wish.pk)  # 攸县's partner: another region (not even visible)
    with pytest.raises(Forbidden):
        actions.do_claim_wish(pw.actor("liu"), wish.pk, partner="YX-WY")  # not for another partner
    w = actions.do_claim_wish(pw.actor("liu"), wish.pk)
    assert w.status == Wish.CLAIMED and w.partner.code == "ZT-WY"
    with pytest.raises(Conflict) as e:
        actions.do_claim_wish(pw.actor("cadre_zt"), wish.pk)
    assert e.value.code == "already_claimed"
    with pytest.raises(Forbidden):  # claimed by another partner
        actions.do_fulfil_wish(pw.actor("zhou"), wish.pk, outcome="不是我认领的")
    with pytest.raises(Forbidden):  # a cadre of the region who did not claim it
        actions.do_fulfil_wish(pw.actor("cadre_zt"), wish.pk, outcome="不是我认领的")
    w = actions.do_fulfil_wish(pw.actor("liu"), wish.pk, outcome="已送去收音机")
    assert w.status == Wish.FULFILLED
    assert [e.action for e in w.case.events.order_by("id")][-2:] == ["wish_claimed", "wish_fulfilled"]
    with pytest.raises(IllegalTransition):
        actions.do_fulfil_wish(pw.actor("liu"), wish.pk, outcome="again")
    # a cadre claims for themself and fulfils
    w2 = actions.do_register_wish(pw.actor("cadre_zt"), text="想学用智能手机", region="430212101201")
    actions.do_claim_wish(pw.actor("cadre_zt"), w2.pk)
    assert actions.do_fulfil_wish(pw.actor("cadre_zt"), w2.pk, outcome="上门教学").status == Wish.FULFILLED
    actions.do_register_wish(pw.actor("cadre_zt"), text="想要一副老花镜", region="430212101201")
    f = figures.wishes(pw.regions["430212"])
    assert f["total"] == {"registered": 3, "claimed": 2, "fulfilled": 2, "by_partners": 1,
                          "fulfilled_rate": round(2 / 3, 4)}
    assert f["by_region"] == [{"region": "430212101", "name": "朱亭镇", "registered": 3, "claimed": 2,
                               "fulfilled": 2, "by_partners": 1, "fulfilled_rate": round(2 / 3, 4)}]
    assert f["by_partner"] == [{"partner": "ZT-WY", "name": "朱亭物业公司", "claimed": 1, "fulfilled": 1}]
    assert figures.wishes(pw.regions["430223"])["total"]["registered"] == 0


def test_two_claims_one_wins(tworld):
    w = make_partner_world(tworld)
    wish = actions.do_register_wish(w.actor("cadre_zt"), text="想要一把轮椅", region="430212101201")
    barrier = threading.Barrier(2)
    results = []

    def claim(who):
        a = w.actor(who)
        try:
            loaded = actions.load_wish(a, wish.pk)  # both read the open wish before the start signal
            barrier.wait()
            actions.do_claim_wish(a, loaded)
            results.append("ok")
        except Conflict as e:
            results.append(e.code)
        except Exception as e:  # noqa: BLE001
            results.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(who,)) for who in ("liu", "zhou")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["already_claimed", "ok"], results
    wish.refresh_from_db()
    assert wish.status == Wish.CLAIMED and wish.case.events.filter(action="wish_claimed").count() == 1


from .conftest import make_partner_world  # noqa: E402


def test_partner_list_scoped_and_masked(pw):
    from minqing.people.scoping import Actor

    names = lambda who: {p.code for p in actions.visible_partners(pw.actor(who))}  # noqa: E731
    assert names("disp_zt") == {"ZT-WY", "ZT-ZYZ"} and names("disp_yx") == {"YX-WY"}
    assert names("liu") == {"ZT-WY"}
    wy = pw.partners["wy"]
    assert actions.partner_dict(wy, pw.actor("disp_zt"))["phone"] == "13700001111"
    masked = actions.partner_dict(wy, pw.actor("sup_lk"))
    assert masked["phone"] != "13700001111" and "1111" not in masked["phone"][:7] and masked["contact"] != "刘经理"
    assert actions.partner_dict(wy, Actor.system())["contact"] == "刘经理"


def test_cli_import_and_partner_login(pw, tmp_path):
    from django.core.management import CommandError, call_command

    from minqing.people.models import Membership

    f = tmp_path / "partners.csv"
    f.write_text("code,name,kind,region_code,contact,phone\nLC-YWH,龙船村业委会,owners,430212102201,王主任,13600001111\n",
                 encoding="utf-8")
    call_command("import", "partners", str(f))
    assert Partner.objects.get(code="LC-YWH").region.code == "430212102201"
    call_command("user", "add", "wangzr", "--role", "partner", "--partner", "LC-YWH", "--password", "pw-wangzr-123")
    m = Membership.objects.get(user__username="wangzr")
    assert m.role == "partner" and m.region.code == "430212102201"
    assert Partner.objects.get(contacts__user__username="wangzr").code == "LC-YWH"
    with pytest.raises(CommandError):
        call_command("user", "add", "nobody", "--role", "partner")
    with pytest.raises(CommandError):
        call_command("user", "add", "nobody", "--role", "partner", "--partner", "NOPE")
