"""免申即享 through minqing.policies.actions, eligibility and figures: one test per rule."""

import datetime as dt

import pytest
from visits.conftest import make_cadre, make_subject

from minqing.cases.errors import Conflict, Forbidden, InvalidInput
from minqing.people.scoping import Actor
from minqing.policies import actions, eligibility, figures
from minqing.policies.models import Delivery, PolicyEvent
from minqing.visits import actions as visit_actions
from minqing.visits.models import Subject

ZT, LC, CD = "430212101201", "430212102201", "430223100001"  # 朱亭村, 龙船村 (渌口区), 城东社区 (攸县)


def policy(world, who="disp_lk", **kw):
    data = dict(code="elder-subsidy", name="高龄津贴", department="lk-housing", benefit="每月200元",
                eligibility={"kind": "household", "tags_any": ["高龄老人", "80岁以上"], "region": "430212"})
    data.update(kw)
    return actions.do_save_policy(world.actor(who), create_only=True, **data)[0]


@pytest.fixture
def subjects(world):
    return {
        "a": make_subject(world, "H1", region=ZT, tags=["高龄老人"]),
        "b": make_subject(world, "H2", region=LC, tags=["80岁以上", "低保户"]),
        "c": make_subject(world, "H3", region=ZT, tags=["低保户"]),
        "d": make_subject(world, "H4", region=CD, tags=["高龄老人"]),  # another county
        "e": make_subject(world, "E1", kind="enterprise", region=ZT, tags=["高龄老人"]),
    }


def ids(qs):
    return sorted(qs.values_list("external_id", flat=True))


def test_eligibility_by_kind_tags_any_and_region(world, subjects):
    p = policy(world)
    assert ids(eligibility.eligible(p)) == ["H1", "H2"]
    assert PolicyEvent.objects.get(policy=p).action == "create"


def test_tags_all_and_custom_attributes(world, subjects):
    visit_actions.save_subject(Actor.system(), external_id="H2", kind="household", name="张H2", region=LC,
                               tags=["80岁以上", "低保户"], extra={"disability": "一级"})
    p = policy(world, code="p2", eligibility={"kind": "household", "tags_all": ["80岁以上", "低保户"],
                                               "attrs": {"disability": ["一级", "二级"]}}, who="admin")
    assert ids(eligibility.eligible(p)) == ["H2"]
    p3 = policy(world, code="p3", eligibility={"kind": "household", "attrs": {"disability": "三级"}}, who="admin")
    assert ids(eligibility.eligible(p3)) == []
    # a key named like a lookup is a key like any other; numbers compare as their text
    visit_actions.save_subject(Actor.system(), external_id="H3", kind="household", name="张H3", region=ZT,
                               tags=[], extra={"contains": "x", "members": 3})
    p4 = policy(world, code="p4", eligibility={"kind": "household", "attrs": {"contains": "x", "members": "3"}},
                who="admin")
    assert ids(eligibility.eligible(p4)) == ["H3"]
    with pytest.raises(InvalidInput):
        policy(world, code="p5", eligibility={"kind": "household", "attrs": {"extra__a": "x"}}, who="admin")


def test_the_match_follows_subjects_and_tags_as_they_change(world, subjects):
    p = policy(world)
    assert "H3" not in ids(eligibility.not_served(p))
    visit_actions.save_subject(Actor.system(), external_id="H3", kind="household", name="张H3", region=ZT,
                               tags=["低保户", "高龄老人"])
    assert "H3" in ids(eligibility.not_served(p))
    visit_actions.save_subject(Actor.system(), external_id="H1", kind="household", name="张H1", region=ZT, tags=[])
    assert "H1" not in ids(eligibility.not_served(p))
    make_subject(world, "H9", region=LC, tags=["高龄老人"])
    assert ids(eligibility.not_served(p)) == ["H2", "H3", "H9"]


@pytest.mark.parametrize("field,kw", [
    ("eligibility.kind", {"eligibility": {"kind": "dog"}}),
    ("eligibility.region", {"eligibility": {"kind": "household", "region": "999"}}),
    ("eligibility.attrs", {"eligibility": {"kind": "household", "attrs": {"a b": "x"}}}),
    ("eligibility.attrs", {"eligibility": {"kind": "household", "attrs": {"x": True}}}),
    ("department", {"department": "nope"}),
    ("code", {"code": " "}),
    ("ends_on", {"starts_on": dt.date(2026, 5, 1), "ends_on": dt.date(2026, 4, 1)}),
])
def test_bad_policies_are_refused_with_the_field(world, field, kw):
    with pytest.raises(InvalidInput) as e:
        policy(world, **kw)
    assert e.value.field == field


def test_who_may_publish(world):
    with pytest.raises(Forbidden):  # 攸县's dispatcher, a 渌口区 policy
        policy(world, who="disp_yx")
    with pytest.raises(Forbidden):  # a policy for everywhere: the admin only
        policy(world, who="disp_lk", eligibility={"kind": "household"})
    with pytest.raises(Forbidden):
        policy(world, who="water")
    policy(world)
    with pytest.raises(Conflict):
        policy(world)


def test_a_delivery_is_recorded_once(world, subjects):
    p = policy(world)
    d, created = actions.do_deliver(world.actor("cadre_zt"), p, subject="H1", note="送到家")
    assert created and d.subject_region_path == subjects["a"].region_path
    again, created = actions.do_deliver(world.actor("disp_lk"), p.code, subject="H1")
    assert not created and again.pk == d.pk
    assert Delivery.objects.count() == 1 and PolicyEvent.objects.filter(action="deliver").count() == 1
    assert ids(eligibility.not_served(p)) == ["H2"]


def test_a_delivery_on_a_visit(world, subjects):
    p = policy(world)
    cadre = make_cadre(world, "cadre_a")
    visit_actions.pair(Actor.system(), cadre=cadre, subjects=["H1"])
    visit = visit_actions.record_visit(world.actor("cadre_a"), cadre=cadre, subjects=["H1"],
                                       date=dt.date.today(), method="door")
    make_subject(world, "H5", region=ZT, tags=["高龄老人"])
    with pytest.raises(InvalidInput) as e:  # the visit was not to H5
        actions.do_deliver(world.actor("cadre_a"), p, subject="H5", visit=visit.pk)
    assert e.value.field == "visit"
    d, _ = actions.do_deliver(world.actor("cadre_a"), p, subject="H1", visit=visit.pk)
    assert d.visit == visit


def test_a_delivery_is_refused_when_not_eligible_out_of_scope_or_out_of_period(world, subjects):
    p = policy(world)
    with pytest.raises(InvalidInput):
        actions.do_deliver(world.actor("disp_lk"), p, subject="H3")
    with pytest.raises(InvalidInput):
        actions.do_deliver(world.actor("disp_lk"), p, subject="nobody")
    with pytest.raises(Forbidden):  # 攸县's dispatcher does not see 朱亭村
        actions.do_deliver(world.actor("disp_yx"), p, subject="H1")
    with pytest.raises(Forbidden):  # a handler is not one who delivers
        actions.do_deliver(world.actor("water"), p, subject="H1")
    old = policy(world, code="old", ends_on=dt.date(2020, 1, 1), starts_on=dt.date(2019, 1, 1))
    with pytest.raises(Conflict):
        actions.do_deliver(world.actor("disp_lk"), old, subject="H1")
    assert not Delivery.objects.exists()


def test_figures_by_policy_and_region(world, subjects):
    p = policy(world)
    actions.do_deliver(world.actor("disp_lk"), p, subject="H1")
    f = figures.compute(world.regions["430212"], regions=True)
    assert (f["eligible"], f["delivered"], f["delivery_rate"]) == (2, 1, 0.5)
    row = f["by_policy"][0]
    assert row["code"] == "elder-subsidy" and row["by_region"] == [
        {"region": "430212101", "region_name": "朱亭镇", "eligible": 1, "delivered": 1, "delivery_rate": 1.0},
        {"region": "430212102", "region_name": "龙船镇", "eligible": 1, "delivered": 0, "delivery_rate": 0.0},
    ]
    assert figures.compute(world.regions["430223"])["policies"] == 0  # 攸县: not its policy
    # a delivered subject re-tagged out of the policy leaves both counts
    visit_actions.save_subject(Actor.system(), external_id="H1", kind="household", name="张H1", region=ZT, tags=[])
    assert figures.policy_counts(p) == {"eligible": 1, "delivered": 0, "delivery_rate": 0.0}


def test_what_to_bring_on_the_next_visit(world, subjects):
    p = policy(world)
    policy(world, code="ended", ends_on=dt.date(2020, 1, 1))
    assert [x.code for x in actions.to_bring(subjects["a"])] == ["elder-subsidy"]
    actions.do_deliver(world.actor("disp_lk"), p, subject="H1")
    assert actions.to_bring(Subject.objects.get(external_id="H1")) == []
    assert actions.to_bring(subjects["c"]) == []
