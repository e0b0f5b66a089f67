"""Patrol tests: the shared world, the default checklists, a cadre with a name and phone."""

import datetime as dt

import pytest


def make_cadre(world, username, region="430212101", name="陈红", phone="13900001111"):
    from django.contrib.auth import get_user_model

    from minqing.people.models import ApiToken, Membership, Profile

    user = get_user_model().objects.create_user(username, password=f"pw-{username}-123")
    Membership.objects.create(user=user, role="cadre", region=world.regions[region])
    Profile.objects.create(user=user, display_name=name, phone=phone, unit="朱亭镇", home_region=world.regions[region])
    world.users[username] = user
    world.tokens[username] = ApiToken.issue(user, "test")[1]
    return user


def answers(code, failed=(), notes=None):
    """Every item of a default checklist answered: ``failed`` codes fail."""
    from minqing.patrols.models import Checklist

    notes = notes or {}
    return [{"item": i.code, "ok": i.code not in failed, "note": notes.get(i.code, "")}
            for i in Checklist.objects.get(code=code).items.filter(active=True)]


@pytest.fixture
def pworld(world):
    from minqing.patrols import defaults

    defaults.install()
    make_cadre(world, "wang", name="王强")
    return world


@pytest.fixture
def today():
    return dt.date.today().isoformat()
