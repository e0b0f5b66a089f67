"""A world with cases in a report's period, the period before (环比) and the year before (同比),
a supervision order, a visit and a campaign."""

import datetime as dt

import pytest
from casebuild import register
from django.utils import timezone

from minqing.cases import actions
from minqing.reports import periods


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def closed_case(w, day, region="430212101201", dept="lk-water", rating="satisfied", score=9, **kw):
    disp = w.actor("disp_zt" if region.startswith("430212101") else "disp_lk" if region.startswith("430212")
                   else "disp_yx")
    handler = w.actor({"lk-water": "water", "lk-roads": "roads", "yx-water": "yxwater"}[dept])
    when = at(day)
    case = register(w, region=region, at=when, **kw)
    actions.assign(disp, case, department=dept, at=when)
    actions.accept(handler, case, at=when)
    actions.handle(handler, case, result="已办", disposition="solved", at=when + dt.timedelta(hours=2))
    actions.visit_back(w.actor("admin"), case, rating=rating, score=score, at=when + dt.timedelta(hours=3))
    return case


def open_case(w, day, region="430212101201", dept="lk-water", **kw):
    disp = w.actor("disp_zt" if region.startswith("430212101") else "disp_lk")
    when = at(day)
    case = register(w, region=region, at=when, **kw)
    actions.assign(disp, case, department=dept, at=when)
    return case


def populate(w):
    """The month before this one is the report's period (ended): cases there, in the month before
    it and in the same month a year earlier."""
    from minqing.people.scoping import Actor
    from minqing.visits import actions as visit_actions
    from minqing.web.models import Campaign, CampaignCase

    month = periods.last_ended("month", timezone.localdate())
    prev, yago = periods.previous(month), periods.year_ago(month)
    d = month.start + dt.timedelta(days=3)
    closed_case(w, d)
    closed_case(w, d, channel="web", category="roads_transport", dept="lk-roads", region="430212102201",
                rating="unsatisfied", score=3)
    closed_case(w, d + dt.timedelta(days=1), channel="qr")
    closed_case(w, d, region="430223100001", dept="yx-water", score=7)
    red = open_case(w, d)  # assigned a month ago: overdue now (red)
    actions.supervise(w.actor("sup_lk"), red, note="限期办结", at=at(d + dt.timedelta(days=1)))
    register(w, at=at(d), channel="letter", category="housing_property")
    closed_case(w, prev.start + dt.timedelta(days=2))
    closed_case(w, prev.start + dt.timedelta(days=2), channel="web")
    closed_case(w, yago.start + dt.timedelta(days=5))
    c = Campaign.objects.create(slug="jindianzi", title="金点子征集", region=w.regions["430200"])
    CampaignCase.objects.create(campaign=c, case=register(w, at=at(d), channel="qr", kind="suggestion",
                                                          text="建议在朱亭村建一个文化广场"))
    sys = Actor.system()
    from minqing.people.models import Membership

    assert Membership.objects.filter(user__username="cadre_zt", role="cadre").exists()
    visit_actions.save_subject(sys, external_id="H1", kind="household", name="李一", region="430212101201")
    visit_actions.save_subject(sys, external_id="H2", kind="household", name="李二", region="430212101201")
    visit_actions.record_visit(sys, cadre="cadre_zt", subjects=["H1"], date=d, method="door")
    return month


@pytest.fixture
def rworld(world):
    world.month = populate(world)
    return world


@pytest.fixture
def trworld(tworld):
    tworld.month = populate(tworld)
    return tworld
