"""Build the demo region: places, departments, people and a few thousand cases.

Every case is made by the actions layer (``minqing.cases.actions``) with a
backdated ``at=``, so each one has its honest event log and the figures read
exactly what a real deployment would show. The whole build is one database
transaction: either the demo is there, complete, or nothing is.

Each case first gets a *fate* (the state it ends in) and a plan of steps with
delays; the plan is then placed in the last three months so that it ends
before now, and played through the actions layer in order.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from minqing.cases import actions
from minqing.cases.models import Case, Category
from minqing.people.models import ApiToken, Membership, Profile, Role
from minqing.people.scoping import Actor
from minqing.regions.models import Department, Level, Region
from minqing.supervision import deadlines

from . import data as D
from . import visits as V

WINDOW_DAYS = 90
TOKEN_USER = "disp_city"

# fate -> weight; every fate gets at least one case, whatever the size
FATES = {
    "registered": 5,
    "invalid": 3,
    "merged": 4,
    "assigned": 7,
    "in_progress": 17,
    "handled": 8,
    "reopened": 3,
    "closed": 50,
    "closed_then_reopened": 3,
}
# how far back (days) a case of this fate may start beyond its own duration:
# cases still waiting are mostly recent, finished ones spread over the window
SLACK_DAYS = {"registered": 4, "assigned": 6, "in_progress": 35, "handled": 12, "reopened": 20}


class DemoError(Exception):
    pass


@dataclass
class Demo:
    """What the build made (or found), for the command to print."""

    created: bool
    cases: int = 0
    states: dict = field(default_factory=dict)
    users: list = field(default_factory=list)  # (username, role, scope)
    token: str = ""
    seconds: float = 0.0
    sweep: dict = field(default_factory=dict)


def exists():
    return Region.objects.filter(code=D.CITY[0]).exists()


def fate_counts(size):
    """Split ``size`` cases over the fates by weight, at least one each."""
    total = sum(FATES.values())
    counts = {f: max(1, int(size * w / total)) for f, w in FATES.items()}
    while sum(counts.values()) < size:
        counts["closed"] += 1
    while sum(counts.values()) > size and counts["closed"] > 1:
        counts["closed"] -= 1
    return counts


# ---- the world: regions, departments, people ---------------------------------------


class World:
    def __init__(self, rng):
        self.rng = rng
        self.regions = {}
        self.counties = []  # Region
        self.townships = []  # Region
        self.villages = []  # Region (village or community)
        self.grids = {}  # village code -> [grid Region]
        self.roads = {}  # county code -> [road names]
        self.departments = {}  # code -> Department
        self.by_category = {}  # (county code, category code) -> [Department]
        self.township_office = {}  # township code -> Department
        self.actors = {}  # username -> Actor
        self.dispatcher = {}  # region id -> Actor
        self.supervisor = {}  # county code -> Actor
        self.visitor = {}  # county code -> Actor
        self.handler = {}  # department id -> Actor
        self.users = []
        self.categories = _default_categories()

    def county_of(self, region):
        for c in self.counties:
            if region.path.startswith(c.path):
                return c
        raise ValueError(region)

    def township_of(self, region):
        for t in self.townships:
            if region.path.startswith(t.path):
                return t
        raise ValueError(region)


def _default_categories():
    """The default category tree (DOMAIN.md), re-created where it is missing."""
    from minqing.cases.default_categories import DEFAULT_CATEGORIES

    cats = {c.code: c for c in Category.objects.all()}
    for pos, (code, name, name_en, description, keywords) in enumerate(DEFAULT_CATEGORIES):
        if code not in cats:
            cats[code] = Category.objects.create(code=code, name=name, name_en=name_en, description=description,
                                                 keywords=keywords, position=pos)
    return cats


def _region(world, code, name, level, parent):
    r = Region(code=code, name=name, level=level, parent=parent)
    r.save()
    world.regions[code] = r
    return r


def build_places(world):
    province = _region(world, *D.PROVINCE, Level.PROVINCE, None)
    city = _region(world, *D.CITY, Level.CITY, province)
    for code, name, _slug, roads in D.COUNTIES:
        world.counties.append(_region(world, code, name, Level.COUNTY, city))
        world.roads[code] = roads
    for code, name, _slug, county, villages in D.TOWNSHIPS:
        t = _region(world, code, name, Level.TOWNSHIP, world.regions[county])
        world.townships.append(t)
        for vcode, vname in villages:
            v = _region(world, vcode, vname, Level.VILLAGE, t)
            world.villages.append(v)
            world.grids[vcode] = [
                _region(world, f"{vcode}-{g}", f"{vname}{gname}", Level.GRID, v) for g, gname in D.GRIDS_PER_VILLAGE
            ]
    return city


def build_departments(world):
    for code, cname, slug, _roads in D.COUNTIES:
        county = world.regions[code]
        for dslug, dname, cats in D.COUNTY_DEPARTMENTS:
            d = Department.objects.create(code=f"{slug}-{dslug}", name=f"{cname}{dname}", region=county)
            d.categories.set([world.categories[c] for c in cats if c in world.categories])
            world.departments[d.code] = d
            for c in cats:
                world.by_category.setdefault((code, c), []).append(d)
    for code, tname, tslug, _county, _villages in D.TOWNSHIPS:
        dslug, dname, cats = D.TOWNSHIP_OFFICE
        d = Department.objects.create(code=f"{tslug}-{dslug}", name=f"{tname}{dname}", region=world.regions[code])
        d.categories.set([world.categories[c] for c in cats if c in world.categories])
        world.departments[d.code] = d
        world.township_office[code] = d


def _person_name(rng):
    return rng.choice(D.SURNAMES) + rng.choice(D.GIVEN)


def build_people(world):
    """Users for every role, all with the demo password (hashed once: hashing is slow on purpose)."""
    rng = world.rng
    User = get_user_model()
    password = make_password(D.PASSWORD)
    specs = []  # (username, role, region, department, display name, unit, rank)
    city = world.regions[D.CITY[0]]
    specs += [
        ("admin", Role.ADMIN, None, None, "系统管理员", "株洲市民情办", ""),
        ("disp_city", Role.DISPATCHER, city, None, _person_name(rng), "株洲市12345热线中心", "section"),
        ("sup_city", Role.SUPERVISOR, city, None, _person_name(rng), "株洲市督查室", "division"),
        ("leader_city", Role.LEADER, city, None, _person_name(rng), "株洲市人民政府", "bureau"),
        ("rv_city", Role.RETURN_VISITOR, city, None, _person_name(rng), "株洲市回访中心", "staff"),
        ("op_city", Role.OPERATOR, city, None, _person_name(rng), "株洲市12345热线中心", "staff"),
    ]
    for code, cname, slug, _roads in D.COUNTIES:
        county = world.regions[code]
        specs += [
            (f"disp_{slug}", Role.DISPATCHER, county, None, _person_name(rng), f"{cname}民情调度中心", "section"),
            (f"sup_{slug}", Role.SUPERVISOR, county, None, _person_name(rng), f"{cname}督查室", "section"),
            (f"leader_{slug}", Role.LEADER, county, None, _person_name(rng), f"{cname}人民政府", "division"),
            (f"rv_{slug}", Role.RETURN_VISITOR, county, None, _person_name(rng), f"{cname}回访中心", "staff"),
            (f"op_{slug}", Role.OPERATOR, county, None, _person_name(rng), f"{cname}信访接待中心", "staff"),
        ]
    for code, tname, tslug, _county, _villages in D.TOWNSHIPS:
        t = world.regions[code]
        specs += [
            (f"disp_{tslug}", Role.DISPATCHER, t, None, _person_name(rng), f"{tname}党政综合办", "staff"),
            (f"cadre_{tslug}", Role.CADRE, t, None, _person_name(rng), f"{tname}网格管理中心", "staff"),
        ]
    for d in world.departments.values():
        specs.append((f"h_{d.code}", Role.HANDLER, None, d, _person_name(rng), d.name, "staff"))

    users = User.objects.bulk_create(
        [
            User(username=s[0], password=password, is_staff=s[1] == Role.ADMIN, is_superuser=s[1] == Role.ADMIN)
            for s in specs
        ]
    )
    if any(u.pk is None for u in users):  # a backend that does not return keys from bulk inserts
        users = list(User.objects.filter(username__in=[s[0] for s in specs]).order_by("id"))
        by_name = {u.username: u for u in users}
        users = [by_name[s[0]] for s in specs]
    Membership.objects.bulk_create(
        [Membership(user=u, role=s[1], region=s[2], department=s[3]) for u, s in zip(users, specs)]
    )
    Profile.objects.bulk_create(
        [
            Profile(user=u, display_name=s[4], unit=s[5], rank=s[6],
                    phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}", home_region=s[2])
            for u, s in zip(users, specs)
        ]
    )
    for u, s in zip(users, specs):
        actor = Actor.for_user(u)
        world.actors[u.username] = actor
        scope = s[3].name if s[3] else (s[2].name if s[2] else "全部")
        world.users.append((u.username, s[1], scope))
        if s[1] == Role.DISPATCHER:
            world.dispatcher[s[2].pk] = actor
        elif s[1] == Role.SUPERVISOR and s[2].level == Level.COUNTY:
            world.supervisor[s[2].code] = actor
        elif s[1] == Role.RETURN_VISITOR and s[2].level == Level.COUNTY:
            world.visitor[s[2].code] = actor
        elif s[1] == Role.HANDLER:
            world.handler[s[3].pk] = actor


# ---- texts ----------------------------------------------------------------------------


def _place(world, village):
    rng = world.rng
    if village.name.endswith("社区"):
        return f"{village.name}{rng.choice(D.ESTATES)}{rng.randint(1, 24)}栋"
    return village.name + rng.choice(D.GROUPS)


def case_text(world, category, village, template=None):
    rng = world.rng
    county = world.county_of(village)
    town = world.township_of(village)
    template = template or rng.choice(D.TEXTS[category])
    return template.format(
        place=_place(world, village),
        village=village.name,
        town=town.name,
        county=county.name,
        road=rng.choice(world.roads[county.code]),
        n=rng.randint(2, 9),
        estate=village.name.replace("社区", "") + rng.choice(D.ESTATES) if village.name.endswith("社区")
        else town.name + rng.choice(D.ESTATES),
        shop=rng.choice(D.SHOPS),
        name=rng.choice(D.SURNAMES) + "某",
    )


def result_text(world, category, disposition):
    rng = world.rng
    what = rng.choice(D.WHAT[category]).format(n=rng.randint(2, 30))
    return rng.choice(D.RESULTS[disposition]).format(what=what)


def _weighted(rng, table):
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys])[0]


# ---- plans ------------------------------------------------------------------------------


@dataclass
class Step:
    action: str
    hours: float  # delay after the previous step
    args: dict = field(default_factory=dict)


@dataclass
class Plan:
    fate: str
    category: str
    village: Region
    region: Region
    lead: Department
    co: list
    mode: str
    anonymous: bool
    steps: list
    duplicates: list = field(default_factory=list)  # plans of cases to merge into this one


def _h(rng, lo, hi):
    return rng.uniform(lo, hi)


def _handle_delay(rng, mode, on_time=True):
    days = deadlines.handling_days(mode)
    if on_time:
        return _h(rng, 6, max(8, days * 0.9 * 24))
    return _h(rng, days * 1.5 * 24, days * 2.5 * 24 + 24)


def make_plan(world, fate):
    rng = world.rng
    category = _weighted(rng, D.CATEGORY_WEIGHTS)
    village = rng.choice(world.villages)
    region = rng.choice(world.grids[village.code]) if rng.random() < 0.35 else village
    county = world.county_of(village)
    town = world.township_of(village)
    if category == "other" or (category == "public_security" and rng.random() < 0.4):
        lead = world.township_office[town.code]
    else:
        lead = rng.choice(world.by_category[(county.code, category)])
    co = []
    mode = rng.choices(["immediate", "individual", "joint", "coordinated"], weights=[45, 20, 25, 10])[0]
    if mode in ("joint", "coordinated"):
        pool = [d for d in world.departments.values() if d.region_id == county.pk and d.pk != lead.pk]
        co = rng.sample(pool, rng.randint(1, 2))
    anonymous = rng.random() < 0.08
    steps = [Step("register", 0)]
    plan = Plan(fate, category, village, region, lead, co, mode, anonymous, steps)
    if fate == "registered":
        if rng.random() < 0.15:
            steps.append(Step("escalate_registered", _h(rng, 1, 20)))
        return plan
    if fate == "invalid":
        steps.append(Step("invalidate", _h(rng, 1, 30)))
        return plan
    if fate == "merged":
        return plan  # registered and merged from its original's plan
    escalated = mode == "coordinated" and rng.random() < 0.5
    if escalated:
        steps.append(Step("escalate_registered", _h(rng, 1, 12)))
    if rng.random() < 0.08:  # first sent to the wrong department, which returns it
        steps.append(Step("assign_wrong", _h(rng, 1, 24)))
        steps.append(Step("return", _h(rng, 2, 30)))
    steps.append(Step("assign", _h(rng, 0.5, 24)))
    if fate == "assigned":
        if rng.random() < 0.1:
            steps.append(Step("supervise", _h(rng, 24, 72)))
        return plan
    late_accept = rng.random() < 0.12
    steps.append(Step("accept", _h(rng, 50, 130) if late_accept else _h(rng, 0.3, 20)))
    _working(world, plan, fate)
    if fate == "in_progress":
        return plan
    _handle_and_after(world, plan, fate)
    return plan


def _working(world, plan, fate):
    """What happens while a department works on the case (whistle, meetings, tasks, extensions)."""
    rng, steps = world.rng, plan.steps
    if rng.random() < 0.3:  # 办理进展: a note soon after accepting, half of them shown to the reporter
        steps.append(Step("progress", _h(rng, 2, 30), {"public": rng.random() < 0.5}))
    if plan.mode != "coordinated" and rng.random() < 0.03:
        steps.append(Step("escalate_working", _h(rng, 4, 48)))
    if rng.random() < 0.09:
        county = world.county_of(plan.village)
        pool = [d for d in world.departments.values() if d.region_id == county.pk and d.pk != plan.lead.pk]
        summoned = rng.sample(pool, rng.randint(2, 3))
        steps.append(Step("whistle", _h(rng, 2, 24), {"departments": summoned}))
        for d in summoned:
            if fate != "in_progress" or rng.random() < 0.6:
                steps.append(Step("report", _h(rng, 1, 20), {"department": d}))
    if plan.co and rng.random() < 0.4:
        steps.append(Step("meet", _h(rng, 12, 72)))
    if rng.random() < 0.12:
        steps.append(Step("task", _h(rng, 2, 24)))
        if fate != "in_progress" or rng.random() < 0.5:
            steps.append(Step("task_done", _h(rng, 24, 120)))
    if rng.random() < 0.07:
        steps.append(Step("extend", _h(rng, 24, 72)))
        steps.append(Step("approve_extension", _h(rng, 2, 24), {"approved": rng.random() < 0.8}))
    if rng.random() < 0.12:
        steps.append(Step("supervise", _h(rng, 24, 96)))


def _handle_and_after(world, plan, fate):
    rng, steps = world.rng, plan.steps
    on_time = rng.random() < 0.85
    disposition = rng.choices(["solved", "coordinated", "explained"], weights=[72, 16, 12])[0]
    steps.append(Step("handle", _handle_delay(rng, plan.mode, on_time), {"disposition": disposition}))
    if fate == "handled":
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            steps.append(Step("visit_unreached", _h(rng, 4, 30)))
        return
    if fate == "reopened":
        steps.append(Step("visit", _h(rng, 24, 96), {"rating": "unsatisfied"}))
        return
    # closed (possibly after an unsatisfied round), maybe reopened afterwards
    if not plan.anonymous and rng.random() < 0.04:
        steps.append(Step("visit", _h(rng, 24, 96), {"rating": "unsatisfied"}))
        steps.append(Step("accept", _h(rng, 1, 24)))
        steps.append(Step("handle", _handle_delay(rng, plan.mode, True), {"disposition": "solved"}))
    if plan.anonymous:
        steps.append(Step("close_anonymous", _h(rng, 24, 72)))
    elif rng.random() < 0.04:
        for _ in range(3):
            steps.append(Step("visit_unreached", _h(rng, 4, 30)))
        steps.append(Step("close_unreachable", _h(rng, 1, 24)))
    else:
        r = rng.random()
        good = {"solved": 0.97, "coordinated": 0.88, "explained": 0.75}[disposition]
        rating = "satisfied" if r < good * 0.78 else "basically_satisfied" if r < good else "unsatisfied"
        if rating == "unsatisfied":  # an unsatisfied case cannot end closed this way: redo, then satisfied
            steps.append(Step("visit", _h(rng, 24, 96), {"rating": "unsatisfied"}))
            steps.append(Step("accept", _h(rng, 1, 24)))
            steps.append(Step("handle", _handle_delay(rng, plan.mode, True), {"disposition": "solved"}))
            rating = "basically_satisfied"
        steps.append(Step("visit", _h(rng, 24, 120), {"rating": rating}))
    if fate == "closed_then_reopened":
        steps.append(Step("reopen", _h(rng, 48, 240)))
        if rng.random() < 0.5:
            steps.append(Step("accept", _h(rng, 1, 24)))


def place(world, plan, now):
    """Absolute times for the plan's steps, ending before now, within the window."""
    rng = world.rng
    total = sum(s.hours for s in plan.steps)
    window = WINDOW_DAYS * 24 - 2
    scale = min(1.0, window * 0.95 / total) if total else 1.0
    total *= scale
    slack_max = min(SLACK_DAYS.get(plan.fate, WINDOW_DAYS) * 24, window - total)
    start = now - dt.timedelta(hours=total + rng.uniform(0.2, max(0.3, slack_max)))
    times, t = [], start
    for s in plan.steps:
        t = t + dt.timedelta(hours=s.hours * scale)
        times.append(t)
    return times


# ---- playing a plan through the actions layer --------------------------------------------


class Player:
    def __init__(self, world, now):
        self.world = world
        self.now = now
        self.rng = world.rng
        self.system = Actor.system("demo")
        self.public = Actor.public("反映人")

    def dispatcher(self, case):
        return self.world.dispatcher[case.owner_region_id]

    def county_code(self, case):
        return self.world.county_of(case.region).code

    def register(self, plan, at, text=None):
        rng = self.rng
        anonymous = plan.anonymous
        name = "" if anonymous else _person_name(rng)
        phone = "" if anonymous else f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
        channel = _weighted(rng, D.CHANNEL_WEIGHTS)
        kind = "praise" if text and text.startswith("表扬") else _weighted(rng, D.KIND_WEIGHTS)
        if channel == "visit" and anonymous:
            channel = "hotline"  # a problem heard on a visit has a known reporter
        text = text or case_text(self.world, plan.category, plan.village)
        campaign = None
        if kind == "suggestion" and channel in ("web", "qr") and not text.startswith("又有群众反映"):
            campaign = self.world.campaign  # 金点子: suggestions sent through the campaign's QR code / link
            channel, text = "qr", V.suggestion_text(self.world, plan.village)
        if channel == "visit":
            return V.visit_for_case(self.world, plan.village, at, text, self.world.categories[plan.category], kind)
        creator = self.world.actors[TOKEN_USER] if channel in ("hotline", "import", "open311") else self.public
        case = actions.register(
            creator,
            text=text,
            channel=channel,
            kind=kind,
            category=self.world.categories[plan.category],
            region=plan.region,
            address=f"{self.world.county_of(plan.village).name}{self.world.township_of(plan.village).name}"
            f"{plan.village.name}",
            reporter_name=name,
            reporter_phone=phone,
            anonymous=anonymous,
            at=at,
        )
        if campaign is not None:
            from minqing.ideas.actions import do_link_submission

            do_link_submission(campaign, case, at=at)
        return case

    def play(self, plan, times):
        text = case_text(self.world, plan.category, plan.village)
        case = self.register(plan, times[0], text)
        if plan.duplicates:
            nxt = times[1] if len(times) > 1 else self.now
            gap = (nxt - times[0]) / (2 * len(plan.duplicates) + 1)
            t = times[0]
            for dup in plan.duplicates:
                t += gap
                d = self.register(dup, t, "又有群众反映：" + text)
                t += gap
                actions.merge(self.dispatcher(d), d, into=case.pk, at=t)
            case = Case.objects.select_related("region", "owner_region", "lead_department", "category").get(pk=case.pk)
        for step, at in zip(plan.steps[1:], times[1:]):
            getattr(self, "do_" + step.action)(case, plan, at, **step.args)
        return case

    # each step ------------------------------------------------------------------------------
    def do_escalate_registered(self, case, plan, at):
        actions.escalate(self.dispatcher(case), case, note="涉及多个部门，需县级统筹办理。", at=at)

    def do_escalate_working(self, case, plan, at):
        actions.escalate(self.world.handler[case.lead_department_id], case,
                         note="问题复杂，本部门难以单独解决，申请上级统筹。", at=at)

    def do_invalidate(self, case, plan, at):
        reason = self.rng.choice(["重复来电，内容与已登记案件一致。", "不属于政府职能范围（私人经济纠纷）。",
                                  "内容无法核实，反映人拒绝提供任何信息。", "测试信息。"])
        actions.invalidate(self.dispatcher(case), case, reason=reason, at=at)

    def do_assign_wrong(self, case, plan, at):
        wrong = self.world.township_office[self.world.township_of(plan.village).code]
        if wrong.pk == plan.lead.pk:
            wrong = next(d for d in self.world.departments.values()
                         if d.region_id == self.world.county_of(plan.village).pk and d.pk != plan.lead.pk)
        actions.assign(self.dispatcher(case), case, department=wrong, mode="immediate", at=at)

    def do_return(self, case, plan, at):
        reason = self.rng.choice(D.RETURN_REASONS).format(dept=plan.lead.name)
        actions.return_case(self.world.handler[case.lead_department_id], case, reason=reason, at=at)

    def do_assign(self, case, plan, at):
        mode = "coordinated" if case.owner_region.level == Level.COUNTY and plan.co else plan.mode
        actions.assign(self.dispatcher(case), case, department=plan.lead, co_departments=plan.co, mode=mode, at=at)

    def do_accept(self, case, plan, at):
        actions.accept(self.world.handler[case.lead_department_id], case, at=at)

    def do_progress(self, case, plan, at, public):
        note = self.rng.choice([
            "已到现场核实情况，正在制定处置方案。", "已联系相关单位，材料正在准备，预计本周内处理。",
            "施工队已进场，正在抢修。", "已约反映人面谈，正在协调解决。", "已报请分管领导审定处置意见。",
        ])
        actions.progress(self.world.handler[case.lead_department_id], case, note=note, public=public, at=at)

    def do_whistle(self, case, plan, at, departments):
        actions.whistle(self.dispatcher(case), case, departments=departments,
                        note="街道吹哨、部门报到：请各单位派员到现场联合处置。", at=at)

    def do_report(self, case, plan, at, department):
        actions.report(self.world.handler[department.pk], case,
                       text=f"{department.name}已派员到场，{self.rng.choice(['已核实情况', '已提出处置意见', '将配合主办单位落实'])}。",
                       at=at)

    def do_meet(self, case, plan, at):
        lead = case.lead_department
        minutes = self.rng.choice(D.MEETING_MINUTES).format(
            lead=lead.name, others="、".join(d.name for d in plan.co), n=self.rng.randint(3, 10)
        )
        actions.meet(self.world.handler[lead.pk], case, minutes=minutes, departments=plan.co, at=at)

    def do_task(self, case, plan, at):
        what = self.rng.choice(D.WHAT[plan.category]).format(n=self.rng.randint(2, 30))
        due = deadlines.default_deadline(at.date(), plan.mode)
        self.task = actions.create_task(self.world.handler[case.lead_department_id], title=what,
                                        department=case.lead_department, cases=[case], due=due, at=at)

    def do_task_done(self, case, plan, at):
        actions.complete_task(self.world.handler[self.task.department_id], self.task,
                              outcome="已按计划完成，现场照片已存档。", at=at)

    def do_extend(self, case, plan, at):
        from minqing.regions.workdays import add_workdays

        new = add_workdays(max(case.deadline, at.date()), self.rng.randint(3, 10))
        actions.extend(self.world.handler[case.lead_department_id], case, deadline=new,
                       reason=self.rng.choice(["需等待上级资金下达。", "施工受连续降雨影响。", "需多部门联合勘察。"]), at=at)

    def do_approve_extension(self, case, plan, at, approved):
        actions.approve_extension(self.dispatcher(case), case, approved=approved,
                                  note="同意延期。" if approved else "理由不充分，请按原时限办结。", at=at)

    def do_supervise(self, case, plan, at):
        actions.supervise(self.world.supervisor[self.county_code(case)], case,
                          note="群众反映强烈，请加快办理并按时反馈。", at=at)

    def do_handle(self, case, plan, at, disposition):
        actions.handle(self.world.handler[case.lead_department_id], case,
                       result=result_text(self.world, plan.category, disposition), disposition=disposition, at=at)

    def do_visit(self, case, plan, at, rating):
        rng = self.rng
        score = {"satisfied": rng.randint(9, 10), "basically_satisfied": rng.randint(6, 8),
                 "unsatisfied": rng.randint(1, 5)}[rating]
        note = rng.choice(D.UNSATISFIED_NOTES if rating == "unsatisfied" else D.SATISFIED_NOTES)
        actor = self.public if rng.random() < 0.1 else self.world.visitor[self.county_code(case)]
        actions.visit_back(actor, case, rating=rating, score=score, note=note, solved=rating != "unsatisfied", at=at)

    def do_visit_unreached(self, case, plan, at):
        actions.visit_back(self.world.visitor[self.county_code(case)], case, reached=False,
                           note=self.rng.choice(["电话无人接听。", "电话关机。", "号码已停机。"]), at=at)

    def do_close_anonymous(self, case, plan, at):
        actions.close_by_rule(self.system, case, rule="anonymous", at=at)

    def do_close_unreachable(self, case, plan, at):
        actions.close_by_rule(self.world.visitor[self.county_code(case)], case, rule="unreachable", at=at)

    def do_reopen(self, case, plan, at):
        actions.reopen(self.dispatcher(case), case, reason="群众再次来电，反映问题出现反弹。", at=at)


def build_visit_side(world, now, say):
    """Cadres, households and enterprises, pairings, coverage rules and the 金点子 campaign (before the
    cases: a case of the channel ``visit`` is heard on a visit to one of the households)."""
    password = get_user_model().objects.get(username="admin").password  # hashed once in build_people
    import time

    t0 = time.monotonic()
    cadres = V.build_cadres(world, password)
    subjects = V.build_subjects(world)
    since = timezone.localtime(now).date() - dt.timedelta(days=180)
    pairings = V.build_pairings(world, since)
    rules = V.build_rules()
    world.campaign = V.build_campaign(world)
    say(f"visits: {len(cadres)} more cadres, {subjects} households and enterprises, {pairings} pairings, "
        f"{rules} coverage rules, campaign {world.campaign.slug} ({time.monotonic() - t0:.1f} s)")


def _slug_of(world, village):
    t = world.township_of(village)
    return next(slug for code, _n, slug, _c, _v in D.TOWNSHIPS if code == t.code)


# ---- the whole build ---------------------------------------------------------------------


def build(size=3000, *, seed=20261124, now=None, log=None, progress=None):
    """Build the demo if the database holds none; returns a ``Demo``.

    Refuses (DemoError) to mix the demo into a database that already holds
    another region tree.
    """
    import time

    from minqing.supervision.sweep import sweep

    started = time.monotonic()
    if exists():
        return Demo(created=False, cases=Case.objects.count(), states=states(), users=existing_users())
    if Region.objects.exists():
        raise DemoError(
            "数据库里已有其他区划，演示数据只能建在空库中 / the database already holds other regions; "
            "build the demo in an empty database (set MINQING_DATA_DIR to a new directory)"
        )
    if size < len(FATES):
        raise DemoError(f"size must be at least {len(FATES)}")
    rng = random.Random(seed)
    now = now or timezone.now()
    say = log or (lambda msg: None)
    progress = progress or (lambda done, total=None: None)  # called with (cases played, cases)
    with transaction.atomic():
        world = World(rng)
        build_places(world)
        build_departments(world)
        build_people(world)
        build_visit_side(world, now, say)
        say(f"regions {len(world.regions)}, departments {len(world.departments)}, users {len(world.users)}")
        fates = [f for f, n in fate_counts(size).items() for _ in range(n)]
        rng.shuffle(fates)
        plans, pending = [], []
        for fate in fates:
            plan = make_plan(world, fate)
            if fate == "merged":
                pending.append(plan)
                continue
            # the duplicates wait for the next original of the same category, or any
            while pending and len(plan.duplicates) < 2:
                dup = pending.pop()
                dup.category, dup.village, dup.region = plan.category, plan.village, plan.region
                plan.duplicates.append(dup)
            plans.append(plan)
        if pending:
            plans[-1].duplicates += pending
            for dup in pending:
                dup.category, dup.village, dup.region = plans[-1].category, plans[-1].village, plans[-1].region
        player = Player(world, now)
        for i, plan in enumerate(plans, 1):
            player.play(plan, place(world, plan, now))
            progress(i, len(plans))
            if i % 500 == 0:
                say(f"cases: {i}/{len(plans)} plans played")
        t0 = time.monotonic()
        n = V.build_visits(world, now)
        say(f"visits: {n} more visits to paired households and enterprises, 屋场夜话 included "
            f"({time.monotonic() - t0:.1f} s)")
        teams, days = V.build_teams_days(world, now)
        say(f"visits: {teams} team visits, {days} collective visit days, frequency rules, case positions")
        from minqing.surveys.demo import build_survey  # 满意度测评: surveyors and one survey with answers

        say(build_survey(world, now))
        from .imports_example import build_import_example  # the import page's example (minqing.imports)

        job = build_import_example(Region.objects.filter(level="village").order_by("code").first())
        say(f"imports: {job.result.get('created', 0)} households imported on the import page, "
            f"{len(job.bad_rows)} row rejected")
        from . import patrols as PT

        say(PT.build(world, now))
        from .ideas import build_ideas  # 金点子 reviewed, 金果子 typical cases (issue 15)

        say("ideas: %d submissions reviewed, %d typical cases" % build_ideas(world, now))
        from minqing.backlog import demo as backlog_demo
        from minqing.policies import demo as policies_demo

        backlog_demo.build(world, now, say)
        policies_demo.build(world, now, say)
        _, token = ApiToken.issue(world.actors[TOKEN_USER].user, "demo")
        result = sweep(timezone.localtime(now).date())
    demo = Demo(created=True, users=world.users, token=token, sweep=result)
    demo.cases = Case.objects.count()
    demo.states = states()
    demo.seconds = time.monotonic() - started
    return demo


def states():
    from django.db.models import Count

    return {s: n for s, n in Case.objects.values_list("state").annotate(n=Count("id")).order_by("state")}


def existing_users():
    rows = Membership.objects.filter(user__username__in=_demo_usernames()).select_related("user", "region", "department")
    return [(m.user.username, m.role, m.department.name if m.department else (m.region.name if m.region else "全部"))
            for m in rows.order_by("user_id")]


def _demo_usernames():
    names = ["admin", "disp_city", "sup_city", "leader_city", "rv_city", "op_city"]
    for _code, _name, slug, _roads in D.COUNTIES:
        names += [f"disp_{slug}", f"sup_{slug}", f"leader_{slug}", f"rv_{slug}", f"op_{slug}"]
    for _code, _name, slug, _county, _villages in D.TOWNSHIPS:
        names += [f"disp_{slug}", f"cadre_{slug}", f"cadre_{slug}_2"]
    for _code, _name, slug, _roads in D.COUNTIES:
        names += [f"cadre_{slug}_{suffix}" for suffix, _unit, _rank in D.COUNTY_CADRES]
    codes = Department.objects.filter(region__path__startswith=f"/{D.PROVINCE[0]}/").values_list("code", flat=True)
    names += [f"h_{c}" for c in codes]
    return names


def issue_token():
    user = get_user_model().objects.get(username=TOKEN_USER)
    return ApiToken.issue(user, "demo")[1]
