"""Helpers for the visit tests: cadres with rank and home region, subjects."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The world fixture hashes 14 passwords; PBKDF2 makes that seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_cadre(world, username, rank="", region="430212101", unit="朱亭镇", phone="13900001111", name=None):
    from django.contrib.auth import get_user_model

    from minqing.people.models import ApiToken, Membership, Profile
    from minqing.regions.models import Region

    user = get_user_model().objects.create_user(username, password=f"pw-{username}-123")
    reg = (world.regions.get(region) or Region.objects.get(code=region)) if region else None
    Membership.objects.create(user=user, role="cadre", region=reg)
    Profile.objects.create(user=user, display_name=name or username, rank=rank, unit=unit, phone=phone,
                           home_region=reg)
    world.users[username] = user
    world.tokens[username] = ApiToken.issue(user, "test")[1]
    return user


def make_subject(world, external_id, kind="household", region="430212101201", tags=(), name=None, **kw):
    from minqing.people.scoping import Actor
    from minqing.visits import actions
    from minqing.visits.creditcode import make

    if kind == "enterprise" and "credit_code" not in kw:
        kw["credit_code"] = make("9143021200000" + str(abs(hash(external_id)) % 10000).zfill(4))
    return actions.save_subject(Actor.system(), external_id=external_id, kind=kind,
                                name=name or f"张{external_id}", region=region, tags=list(tags), **kw)


@pytest.fixture
def vworld(world):
    """The shared world without the seeded example rules (tests make their own)."""
    from minqing.visits.models import CoverageRule

    CoverageRule.objects.all().delete()
    return world
