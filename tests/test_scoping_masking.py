"""Scoping and masking rules in people/scoping.py, below the API."""

import pytest
from casebuild import register

from minqing.cases import actions
from minqing.cases.models import Case
from minqing.people.scoping import Actor, mask_name, mask_phone, visible_cases


@pytest.mark.parametrize("raw,masked", [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李*"), ("", ""), ("  王五 ", "王*")])
def test_mask_name(raw, masked):
    assert mask_name(raw) == masked


@pytest.mark.parametrize("raw,masked", [("13800000000", "138****0000"), ("13812345678", "138****5678"),
                                        ("0731-2288", "07****288"), ("12345", "*****"), ("", "")])
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_who_sees_the_contact(world):
    case = register(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water", co_departments=["lk-housing"])
    case = Case.objects.get(pk=case.pk)
    full = {n for n in world.users if world.actor(n).can_see_contact(case)}
    assert full == {"disp_zt", "disp_lk", "water", "rv_lk", "admin"}
    assert Actor.system().can_see_contact(case) and not Actor.public().can_see_contact(case)


def test_a_case_without_a_region_is_the_top_dispatchers(world):
    from django.contrib.auth import get_user_model

    from minqing.people.models import Membership

    top = get_user_model().objects.create_user("disp_province")
    Membership.objects.create(user=top, role="dispatcher", region=world.regions["430000"])
    case = register(world, region=None)
    assert case.owner_region.code == "430000"
    actor = Actor.for_user(top)
    assert actor.can_see_contact(case)
    assert visible_cases(actor, Case.objects.all()).filter(pk=case.pk).exists()
    assert not world.actor("disp_zt").can_see_contact(case)


def test_visibility_per_role(world):
    zt = register(world)
    actions.assign(world.actor("disp_zt"), zt, department="lk-water", co_departments=["lk-roads"])
    yx = register(world, region="430223100001", actor="disp_yx")
    seen = {n: set(visible_cases(world.actor(n), Case.objects.all()).values_list("pk", flat=True))
            for n in world.users}
    assert seen["water"] == {zt.pk} and seen["roads"] == {zt.pk} and seen["housing"] == set()
    assert seen["yxwater"] == set() and seen["ztoffice"] == set()
    assert seen["disp_zt"] == {zt.pk} and seen["disp_yx"] == {yx.pk}
    assert seen["leader_city"] == {zt.pk, yx.pk} and seen["leader_yx"] == {yx.pk}
    assert seen["sup_lk"] == {zt.pk} and seen["rv_lk"] == {zt.pk} and seen["cadre_zt"] == {zt.pk}
    assert seen["admin"] == {zt.pk, yx.pk}
    assert not visible_cases(Actor.public(), Case.objects.all()).exists()
