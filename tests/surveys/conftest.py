"""A small world of closed cases in two departments of 渌口区 and one of 攸县, and surveyors."""

import datetime as dt

import pytest
from django.utils import timezone

from minqing.cases import actions
from minqing.people.models import ApiToken, Membership

VILLAGE = "430212101201"  # 朱亭村, 渌口区
YX = "430223100001"  # 城东社区, 攸县
HANDLERS = {"lk-water": "water", "lk-roads": "roads", "yx-water": "yxwater"}
CATEGORY = {"lk-water": "water_supply", "lk-roads": "roads_transport", "yx-water": "water_supply"}


def add_user(world, name, role, region=None):
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user(name, password=f"pw-{name}-123")
    Membership.objects.create(user=u, role=role, region=world.regions[region] if region else None)
    world.users[name] = u
    world.tokens[name] = ApiToken.issue(u, "test")[1]
    return u


def closed_case(world, dept, *, rating="satisfied", score=9, region=None, phone="13812340000", at=None, **kw):
    """A case of ``dept`` through the whole loop, closed by a return visit with ``rating``/``score``."""
    region = region or (YX if dept.startswith("yx") else VILLAGE)
    disp = "disp_yx" if dept.startswith("yx") else "disp_zt"
    rv = "disp_yx" if dept.startswith("yx") else "rv_lk"
    case = actions.register(world.actor(disp), text="门前的路灯坏了三天，晚上看不见路", channel="hotline",
                            kind="complaint", category=CATEGORY[dept], region=region, reporter_name="王晓明",
                            reporter_phone=phone, at=at, **kw)
    actions.assign(world.actor(disp), case, department=dept, at=at)
    actions.accept(world.actor(HANDLERS[dept]), case, at=at)
    actions.handle(world.actor(HANDLERS[dept]), case, result="已修复", disposition="solved", at=at)
    if rating != "satisfied":  # an unsatisfied visit reopens: redo and close it satisfied after
        actions.visit_back(world.actor(rv), case, rating=rating, score=score, at=at)
        actions.accept(world.actor(HANDLERS[dept]), case, at=at)
        actions.handle(world.actor(HANDLERS[dept]), case, result="已再次修复", disposition="solved", at=at)
        actions.visit_back(world.actor(rv), case, rating="satisfied", score=8, at=at)
    else:
        actions.visit_back(world.actor(rv), case, rating=rating, score=score, at=at)
    case.refresh_from_db()
    assert case.state == "closed"
    return case


def populate(world, n_water=4, n_roads=3, n_yx=2):
    cases = {"lk-water": [], "lk-roads": [], "yx-water": []}
    for i in range(n_water):
        cases["lk-water"].append(closed_case(world, "lk-water", phone=f"1381234{i:04d}",
                                             rating="unsatisfied" if i % 2 else "satisfied", score=4 if i % 2 else 9))
    for i in range(n_roads):
        cases["lk-roads"].append(closed_case(world, "lk-roads", phone=f"1391234{i:04d}"))
    for i in range(n_yx):
        cases["yx-water"].append(closed_case(world, "yx-water", phone=f"1371234{i:04d}"))
    return cases


def today():
    return timezone.localdate()


def window(days=30):
    return {"from": (today() - dt.timedelta(days=days)).isoformat(), "to": today().isoformat()}


def add_surveyors(world):
    add_user(world, "surv_lk", "surveyor", "430212")
    add_user(world, "surv_lk2", "surveyor", "430212")
    add_user(world, "surv_yx", "surveyor", "430223")
    add_user(world, "surv_city", "surveyor", "430200")


@pytest.fixture
def sworld(world):
    add_surveyors(world)
    world.cases = populate(world)
    return world


@pytest.fixture
def stworld(tworld):
    add_surveyors(tworld)
    tworld.cases = populate(tworld)
    return tworld
