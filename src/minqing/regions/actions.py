"""Changes to regions and departments: ``do_init_region`` builds a deployment's region tree
from the national division table (``divisions``), with departments from the template the demo
uses (``minqing.demo.data.COUNTY_DEPARTMENTS`` and ``TOWNSHIP_OFFICE``).

``plan_init`` says what would be created, and why it would be refused, without changing
anything; ``do_init_region`` carries a plan out in one transaction (all of it or nothing).
Running it again creates nothing; a tree that is not the table's (other codes, other names,
another province) is refused rather than mixed with."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from minqing.progress import NOOP

from . import divisions as dv
from .models import LEVEL_ORDER, Department, Level, Region

BATCH = 2000


class InitRefused(Exception):
    """The tree cannot be built here; ``problems`` says why, one line each."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Plan:
    code: str  # the division chosen (current code)
    name: str
    level: str
    villages: bool
    renamed_from: dv.Renamed | None = None
    regions: list = field(default_factory=list)  # (Division, parent code) to create, parents first
    renames: list = field(default_factory=list)  # (code, old name, new name) of existing rows
    departments: list = field(default_factory=list)  # (code, name, region code, [category codes])
    existing_regions: int = 0
    existing_departments: int = 0
    problems: list = field(default_factory=list)

    def counts(self) -> dict:
        """What would be created, by kind: province, city, county, township, village, department."""
        c = Counter(d.level for d, _ in self.regions)
        out = {lv: c.get(lv, 0) for lv in LEVEL_ORDER if lv != Level.GRID}
        out["department"] = len(self.departments)
        return out

    @property
    def empty(self) -> bool:
        return not self.regions and not self.departments and not self.renames


@dataclass
class Created:
    plan: Plan
    regions: int = 0
    departments: int = 0
    categories: int = 0
    renamed: int = 0
    admin: str = ""
    password: str = ""  # the admin's one-time password, only when the admin was created now


def _template():
    from minqing.demo import data as D

    return D.COUNTY_DEPARTMENTS, D.TOWNSHIP_OFFICE


def department_code(d: dv.Division, slug: str) -> str:
    return f"{d.prefix}-{slug}"


def plan_init(code, villages: bool = True) -> Plan:
    """What ``do_init_region(code)`` would create; ``plan.problems`` lists why it would be
    refused. Raises ``divisions.DivisionError`` for a code the table does not have."""
    top, rename = dv.resolve(code)
    plan = Plan(code=top.code, name=top.name, level=top.level, villages=villages, renamed_from=rename)
    chain = dv.ancestors(top) + [top]
    full = dv.subtree(top, villages=True)  # villages too: an existing village must be the table's
    wanted = chain + [d for d in full if villages or d.level != Level.VILLAGE]
    known = {d.code: d for d in chain + full}
    existing = {r.code: r for r in Region.objects.select_related("parent")}

    # a different tree: another root, other names, other parents, rows the table does not have
    # a root that is one of the table's provinces, under its name, is the same national tree
    table = dv.upper()
    roots = [r for r in existing.values() if r.parent_id is None and r.code != chain[0].code
             and not (r.code in table and table[r.code].level == Level.PROVINCE and table[r.code].name == r.name)]
    for r in roots[:5]:
        plan.problems.append(f"已有另一棵区划树 {r.name}({r.code}) / another region tree exists: {r.code} {r.name}")
    for d in chain + full:
        r = existing.get(d.code)
        if r is None:
            continue
        parent = dv.parent_code(d, known)
        if r.name != d.name and r.name not in dv.former_names(d.code):
            plan.problems.append(f"{d.code} 已是「{r.name}」，区划表为「{d.name}」 / {d.code} is {r.name!r} here, {d.name!r} in the table")
        elif r.name != d.name:
            plan.renames.append((d.code, r.name, d.name))
        if r.level != d.level:
            plan.problems.append(f"{d.code} 层级为 {r.level}，区划表为 {d.level} / {d.code} is a {r.level} here, a {d.level} in the table")
        if (r.parent.code if r.parent_id else None) != parent:
            plan.problems.append(f"{d.code} 的上级不是 {parent} / {d.code} hangs under another parent here")
    for old in dv.renamed().values():
        r = existing.get(old.old_code)
        if r is not None and old.code in known:
            plan.problems.append(f"{old.old_code} {r.name} 已更名为 {old.name}({old.code}) / renamed to {old.name} ({old.code}) in {old.year}")
    top_row = existing.get(top.code)
    if top_row is not None:
        strays = (Region.objects.filter(path__startswith=top_row.path).exclude(level=Level.GRID)
                  .exclude(code__in=known.keys()).order_by("path"))
        for r in strays[:5]:
            plan.problems.append(f"{r.code} {r.name} 不在区划表中 / {r.code} {r.name} is not in the national table")
        more = strays.count() - 5
        if more > 0:
            plan.problems.append(f"…另有 {more} 个 / … and {more} more")
    if len(plan.problems) > 20:
        plan.problems[20:] = [f"…另有 {len(plan.problems) - 20} 个问题 / … and more"]

    for d in wanted:
        if d.code in existing:
            plan.existing_regions += 1
        else:
            plan.regions.append((d, dv.parent_code(d, known)))
    plan.regions.sort(key=lambda row: (LEVEL_ORDER.index(row[0].level), row[0].code))

    # departments: the county bureaus for every county (and every prefecture whose townships
    # hang right under it), a comprehensive office for every township
    county_depts, (office_slug, office_name, office_cats) = _template()
    in_scope = [d for d in wanted if d.code.startswith(top.prefix)]
    holders = {d.code: d for d in in_scope if d.level == Level.COUNTY}
    for d in in_scope:
        if d.level == Level.TOWNSHIP:
            p = known.get(dv.parent_code(d, known))
            if p is not None and p.level == Level.CITY:
                holders.setdefault(p.code, p)
    rows = []
    for h in sorted(holders.values(), key=lambda d: d.code):
        rows += [(department_code(h, slug), f"{h.name}{name}", h.code, list(cats)) for slug, name, cats in county_depts]
    rows += [(department_code(d, office_slug), f"{d.name}{office_name}", d.code, list(office_cats))
             for d in in_scope if d.level == Level.TOWNSHIP]
    have = {d.code: d for d in Department.objects.select_related("region").filter(code__in=[r[0] for r in rows])}
    for row in rows:
        dept = have.get(row[0])
        if dept is None:
            plan.departments.append(row)
        elif dept.region.code != row[2]:
            plan.problems.append(f"部门 {row[0]} 已属于 {dept.region.code} / department {row[0]} belongs to {dept.region.code}")
        else:
            plan.existing_departments += 1
    return plan


def _create_admin(username: str, created: Created):
    from minqing.people.models import Membership, Profile, Role

    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, is_staff=True, is_superuser=True)
        created.password = secrets.token_urlsafe(12)
        user.set_password(created.password)
        user.save()
    Membership.objects.get_or_create(user=user, role=Role.ADMIN, region=None, department=None)
    Profile.objects.get_or_create(user=user, defaults={"display_name": "系统管理员"})
    created.admin = username


def do_init_region(code, villages: bool = True, admin: str | None = None, progress=NOOP) -> Created:
    """Build the region tree and departments of ``code`` from the national table, in one
    transaction. Raises ``InitRefused`` (nothing changed) when the database holds a different
    tree, ``divisions.DivisionError`` for an unknown code."""
    from minqing.cases import lookups
    from minqing.demo.build import _default_categories

    if admin is not None:
        admin = admin.strip()
        if not admin or len(admin) > 150 or "\x00" in admin:
            raise InitRefused(["管理员用户名应为 1–150 个字符 / the admin's username is 1 to 150 characters"])
    with transaction.atomic():
        plan = plan_init(code, villages=villages)
        if plan.problems:
            raise InitRefused(plan.problems)
        created = Created(plan=plan)
        total = len(plan.regions) + len(plan.departments)
        done = 0
        progress(0, total)
        for code_, _old, new in plan.renames:
            r = Region.objects.get(code=code_)
            r.aliases = sorted(set(r.aliases or []) | {_old})
            r.name = new
            r.save()
            created.renamed += 1
        paths = {r.code: (r.pk, r.path, r.depth) for r in Region.objects.filter(
            code__in={p for _, p in plan.regions if p})}
        for level in LEVEL_ORDER:
            batch = [(d, p) for d, p in plan.regions if d.level == level]
            for start in range(0, len(batch), BATCH):
                objs = []
                for d, parent in batch[start:start + BATCH]:
                    pk, path, depth = paths[parent] if parent else (None, "/", -1)
                    objs.append(Region(code=d.code, name=d.name, level=d.level, parent_id=pk,
                                       path=f"{path}{d.code}/", depth=depth + 1, aliases=dv.former_names(d.code)))
                Region.objects.bulk_create(objs)
                for r in Region.objects.filter(code__in=[o.code for o in objs]).only("id", "code", "path", "depth"):
                    paths[r.code] = (r.pk, r.path, r.depth)
                created.regions += len(objs)
                done += len(objs)
                progress(done, total)
        before = _count_categories()
        categories = _default_categories()
        created.categories = _count_categories() - before
        region_ids = {c: v[0] for c, v in paths.items()}
        for r in Region.objects.filter(code__in={row[2] for row in plan.departments} - region_ids.keys()):
            region_ids[r.code] = r.pk
        for start in range(0, len(plan.departments), BATCH):
            rows = plan.departments[start:start + BATCH]
            Department.objects.bulk_create(
                [Department(code=c, name=n, region_id=region_ids[rc]) for c, n, rc, _ in rows])
            ids = dict(Department.objects.filter(code__in=[r[0] for r in rows]).values_list("code", "id"))
            Through = Department.categories.through
            Through.objects.bulk_create([
                Through(department_id=ids[c], category_id=categories[cat].pk)
                for c, _n, _rc, cats in rows for cat in cats if cat in categories
            ])
            created.departments += len(rows)
            done += len(rows)
            progress(done, total)
        if admin:
            _create_admin(admin, created)
        transaction.on_commit(lookups.clear)
    return created


def _count_categories():
    from minqing.cases.models import Category

    return Category.objects.count()
