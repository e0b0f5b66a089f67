"""安全先锋行 and 社区合伙人 in the demo: patrols by the township cadres over the last two months (every
failed item a case, half of them fixed through the loop), partners per township with a contact login
(``partner_<township>``, the demo password), partner-owned tasks, summons, and 微心愿 claimed and fulfilled.

Everything goes through ``minqing.patrols.actions``, ``minqing.partners.actions`` and
``minqing.cases.actions`` with past times (``at=``)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from minqing.cases import actions as case_actions
from minqing.cases.models import Case, State
from minqing.partners import actions as partner_actions
from minqing.patrols import actions as patrol_actions
from minqing.patrols import defaults
from minqing.patrols.models import Checklist
from minqing.people.models import Profile
from minqing.people.scoping import Actor

from . import data as D

SYSTEM = Actor.system("demo")
HAZARD_NOTES = {
    "fire_exits": "后门通道堆放纸箱", "extinguishers": "两具灭火器过期", "wiring": "车间插线板串接",
    "staff_housing": "二楼仓库住人", "structure": "东墙有贯穿裂缝", "extension": "屋顶违规加建一层",
    "ebike": "楼道内电动车充电", "gas": "液化气瓶放在灶台下", "gate": "校门口减速带缺失",
    "canteen": "食堂留样记录不全", "aisles": "摊位占用消防通道", "drainage": "市场后排水沟堵塞",
}
WISHES = ["独居老人王奶奶想要一台收音机听戏", "留守儿童想要一套课外书和一个书包", "老人想学用智能手机和孙子视频通话",
          "残疾人家庭想在卫生间装一个扶手", "八十岁的老人想要一副合适的老花镜", "双职工家庭的孩子想参加暑期托管班"]
PARTNERS = [("WY", "{v}物业服务有限公司", "property"), ("ZYZ", "{t}红马甲志愿服务队", "volunteers"),
            ("SHZZ", "{t}乡贤理事会", "social")]


def _at(day, hour):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _cadre(world, tslug):
    return world.actors[f"cadre_{tslug}"]


def build(world, now):
    """Returns a line for the demo's log."""
    defaults.install()
    rng = world.rng
    today = timezone.localtime(now).date()
    checklists = list(Checklist.objects.filter(active=True))
    patrols = hazards = fixed = 0
    for code, _tname, tslug, _county, _villages in D.TOWNSHIPS:
        township = world.regions[code]
        cadre = _cadre(world, tslug)
        villages = [v for v in world.villages if v.path.startswith(township.path)]
        for _ in range(4):
            day = today - dt.timedelta(days=rng.randint(3, 60))
            checklist = rng.choice(checklists)
            items = [{"item": i.code, "ok": rng.random() > 0.2,
                      "note": ""} for i in checklist.items.filter(active=True)]
            for row in items:
                if not row["ok"]:
                    row["note"] = HAZARD_NOTES.get(row["item"], "")
            patrol, _ = patrol_actions.do_record_patrol(
                cadre, cadre=cadre.user.username, region=rng.choice(villages).code, date=day, checklist=checklist,
                items=items, at=_at(day, 10))
            patrols += 1
            for row in patrol.items.filter(ok=False).select_related("case"):
                hazards += 1
                if rng.random() < 0.6 and (today - day).days > 7:
                    fixed += _fix(world, row.case, township, day)
    partners, wishes = _partners(world, now, today)
    return (f"patrols: {patrols} safety patrols, {hazards} hazards registered as cases ({fixed} fixed); "
            f"partners: {partners} partners with logins partner_<township>, {wishes} small wishes")


def _fix(world, case, township, day):
    disp = world.dispatcher[township.pk]
    office = world.township_office[township.code]
    handler = world.handler[office.pk]
    rv = world.visitor[world.county_of(township).code]
    case_actions.assign(disp, case, department=office, at=_at(day, 15))
    case_actions.accept(handler, case, at=_at(day + dt.timedelta(days=1), 9))
    case_actions.handle(handler, case, result="已督促整改到位，现场复查合格", disposition="solved",
                        at=_at(day + dt.timedelta(days=4), 16))
    case_actions.visit_back(rv, case, rating="satisfied", score=9, at=_at(day + dt.timedelta(days=5), 10))
    return 1


def _partners(world, now, today):
    rng = world.rng
    User = get_user_model()
    password = User.objects.get(username="admin").password  # the demo password, hashed once
    n_partners = n_wishes = 0
    for code, tname, tslug, _county, _villages in D.TOWNSHIPS:
        township = world.regions[code]
        villages = [v for v in world.villages if v.path.startswith(township.path)]
        made = []
        for suffix, name, kind in PARTNERS:
            region = villages[0] if kind == "property" else township
            made.append(partner_actions.do_save_partner(
                SYSTEM, code=f"{tslug.upper()}-{suffix}", name=name.format(v=villages[0].name, t=tname), kind=kind,
                region=region, contact=rng.choice(D.SURNAMES) + rng.choice(D.GIVEN),
                phone=f"13{rng.randrange(10**9):09d}"))
        n_partners += len(made)
        login = User.objects.create(username=f"partner_{tslug}", password=password)
        Profile.objects.create(user=login, display_name=made[1].contact, unit=made[1].name, home_region=township)
        partner_actions.do_link_contact(SYSTEM, user=login, partner=made[1])
        world.users.append((login.username, "partner", made[1].name))
        contact = Actor.for_user(login)
        # a task for the volunteer team on an open case of the township, and a summons: after the case's
        # last event (its log stays in order), at least a day before now
        open_cases = []
        for case in Case.objects.filter(region_path__startswith=township.path, state=State.IN_PROGRESS).order_by("id"):
            last = case.events.order_by("-at").first().at
            if last < now - dt.timedelta(days=1, hours=3):
                open_cases.append((case, last))
            if len(open_cases) == 2:
                break
        if open_cases:
            case, last = open_cases[0]
            lead = world.handler[case.lead_department_id]
            step = min(dt.timedelta(hours=6), (now - dt.timedelta(hours=1) - last) / 4)
            task = case_actions.create_task(lead, title="志愿队协助入户核实情况", partner=made[1], cases=[case],
                                            at=last + step)
            case_actions.complete_task(contact, task, outcome="已入户核实三户情况并反馈", at=last + 2 * step)
            partner_actions.do_summon_partner(lead, case, partner=made[0], note="请物业到场配合", at=last + 3 * step)
            if len(open_cases) > 1:
                other, last = open_cases[1]
                case_actions.create_task(world.handler[other.lead_department_id], title="志愿队协助张贴通知",
                                         partner=made[1], cases=[other], at=last + dt.timedelta(hours=1))
        cadre = _cadre(world, tslug)
        for i, text in enumerate(rng.sample(WISHES, 3)):
            day = today - dt.timedelta(days=rng.randint(5, 40))
            wish = partner_actions.do_register_wish(cadre, text=text, region=rng.choice(villages), channel="wechat",
                                                    at=_at(day, 11))
            n_wishes += 1
            if i == 0:
                partner_actions.do_claim_wish(contact, wish, at=_at(day + dt.timedelta(days=1), 9))
                partner_actions.do_fulfil_wish(contact, wish, outcome="志愿者已送达并陪老人聊天",
                                               at=_at(day + dt.timedelta(days=3), 15))
            elif i == 1:
                partner_actions.do_claim_wish(cadre, wish, at=_at(day + dt.timedelta(days=2), 9))
    return n_partners, n_wishes
