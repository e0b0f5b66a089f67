"""ideas/actions.py: one test per rule of the campaigns, the review and 金果子."""

import datetime as dt

import pytest

from minqing.cases.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from minqing.ideas import actions, figures
from minqing.ideas.models import Campaign, CampaignCase, CampaignEvent, Review, TypicalCase, TypicalEvent

from .helpers import campaign, submit, to_state, today

pytestmark = pytest.mark.django_db


def test_a_leader_creates_a_campaign_with_its_event(world):
    c = campaign(world, categories=["water_supply", "roads_transport"], target_groups="村民、企业")
    assert c.pk and c.region.code == "430200" and c.created_by == world.users["leader_city"]
    assert sorted(cat.code for cat in c.categories.all()) == ["roads_transport", "water_supply"]
    ev = CampaignEvent.objects.get(campaign=c)
    assert ev.action == "create" and ev.actor == world.users["leader_city"]


def test_a_taken_slug_is_a_conflict(world):
    campaign(world)
    with pytest.raises(Conflict):
        campaign(world, title="另一个")
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize("who", ["disp_zt", "water", "sup_lk", "cadre_zt"])
def test_only_leaders_and_admins_create(world, who):
    with pytest.raises(Forbidden):
        campaign(world, who=who, region="430212101")


def test_admin_creates_anywhere(world):
    assert campaign(world, who="admin", region="430000").pk


def test_a_leader_only_in_own_region(world):
    with pytest.raises(Forbidden):
        campaign(world, who="leader_yx", region="430212")
    assert campaign(world, who="leader_yx", region="430223").pk


@pytest.mark.parametrize("over,field", [
    ({"slug": "Bad Slug"}, "slug"), ({"slug": "a"}, "slug"), ({"title": " "}, "title"),
    ({"region": "999999"}, "region"), ({"kind": "nonsense"}, "kind"),
    ({"ends": dt.date(2020, 1, 1)}, "ends"), ({"categories": ["nope"]}, "categories"),
    ({"title": "长" * 201}, "title"), ({"description": "a\x00b"}, "description"),
])
def test_bad_input_names_its_field(world, over, field):
    with pytest.raises(InvalidInput) as e:
        campaign(world, **over)
    assert e.value.field == field


def test_edit_changes_fields_and_writes_an_event(world):
    c = campaign(world)
    actions.do_edit_campaign(world.actor("leader_city"), c, title="新标题", region="430212", starts=c.starts,
                             ends=c.ends, kind="suggestion", active=False)
    c.refresh_from_db()
    assert c.title == "新标题" and c.region.code == "430212" and not c.active
    ev = CampaignEvent.objects.filter(campaign=c, action="edit").get()
    assert set(ev.data["changed"]) >= {"title", "region", "active"}
    with pytest.raises(Forbidden):
        actions.do_edit_campaign(world.actor("leader_yx"), c, title="x", region="430212", starts=c.starts,
                                 ends=c.ends, kind="suggestion")


def test_a_submission_needs_an_open_campaign(world):
    c = campaign(world, slug="closed-one", starts=today() - dt.timedelta(days=30), ends=today() - dt.timedelta(days=1))
    with pytest.raises(InvalidInput):
        actions.find_open_campaign("closed-one")
    with pytest.raises(InvalidInput):
        actions.find_open_campaign("unknown")
    open_c = campaign(world)
    assert actions.find_open_campaign(open_c.slug) == open_c
    open_c.active = False
    open_c.save()
    with pytest.raises(InvalidInput):
        actions.find_open_campaign(open_c.slug)
    assert c.pk


def test_adopt_answer_merge_outcome(world):
    c = campaign(world)
    a, b, d = submit(world, c), submit(world, c, text="建议建老年食堂"), submit(world, c, text="建议修路")
    disp = world.actor("disp_lk")  # a dispatcher of 渌口区 does not cover the city's campaign
    with pytest.raises(Forbidden):
        actions.do_adopt(disp, a)
    leader = world.actor("leader_city")
    actions.do_adopt(leader, a, note="纳入规划", topic="养老服务")
    a.refresh_from_db()
    assert a.status == Review.ADOPTED and a.topic == "养老服务" and a.reviewed_by == world.users["leader_city"]
    actions.do_merge(leader, b, into=a.pk)
    b.refresh_from_db()
    assert b.status == Review.MERGED and b.merged_into == a and b.topic == "养老服务"
    actions.do_answer(leader, d, text="感谢建议，已转交交通部门研究", topic="道路")
    d.refresh_from_db()
    assert d.status == Review.ANSWERED
    actions.do_record_outcome(leader, a, text="活动中心已建成", implemented=True)
    a.refresh_from_db()
    assert a.implemented and a.outcome == "活动中心已建成"
    assert list(CampaignEvent.objects.filter(link__isnull=False).exclude(action="submit")
                .order_by("id").values_list("action", flat=True)) == ["adopt", "merge", "answer", "outcome"]


def test_a_reviewed_submission_cannot_be_reviewed_again(world):
    c = campaign(world)
    a = submit(world, c)
    actions.do_answer(world.actor("admin"), a, text="谢谢")
    with pytest.raises(IllegalTransition):
        actions.do_adopt(world.actor("admin"), a)
    with pytest.raises(IllegalTransition):
        actions.do_record_outcome(world.actor("admin"), a, text="x", implemented=True)


def test_merge_only_into_an_adopted_one_of_the_same_campaign(world):
    c, other = campaign(world), campaign(world, slug="other-one")
    a, b = submit(world, c), submit(world, c, text="同样的建议")
    x = submit(world, other, text="别的活动的建议")
    admin = world.actor("admin")
    with pytest.raises(InvalidInput):
        actions.do_merge(admin, b, into=a.pk)  # a is not adopted
    actions.do_adopt(admin, x)
    with pytest.raises(InvalidInput):
        actions.do_merge(admin, b, into=x.pk)  # another campaign
    with pytest.raises(InvalidInput):
        actions.do_merge(admin, b, into=b.pk)


def test_two_reviews_at_once_one_wins(world):
    c = campaign(world)
    a = submit(world, c)
    stale = CampaignCase.objects.get(pk=a.pk)
    actions.do_adopt(world.actor("admin"), a)
    with pytest.raises(Conflict):  # the stale copy still says pending: the compare-and-set refuses it
        actions.do_answer(world.actor("leader_city"), stale, text="答复")
    assert CampaignCase.objects.get(pk=a.pk).status == Review.ADOPTED


def test_figures_count_by_region_and_exclude_invalid(world):
    c = campaign(world)
    a = submit(world, c)
    submit(world, c, text="联星街道建议增设公交站", region="430223100001")
    bad = submit(world, c, text="无效内容")
    from minqing.cases import actions as case_actions

    case_actions.invalidate(world.actor("disp_zt"), bad.case, reason="无意义")
    actions.do_adopt(world.actor("admin"), a)
    actions.do_record_outcome(world.actor("admin"), a, text="已建成", implemented=True)
    f = figures.campaign_figures(c)
    assert (f["submissions"], f["adopted"], f["implemented"], f["pending"]) == (2, 1, 1, 1)
    assert f["adoption_rate"] == 1.0 and f["implementation_rate"] == 1.0
    by = {r["code"]: r for r in f["by_region"]}
    assert by["430212"]["submissions"] == 1 and by["430212"]["adopted"] == 1
    assert by["430223"]["submissions"] == 1 and by["430223"]["adopted"] == 0
    assert figures.campaign_figures(c, region=world.regions["430223"])["submissions"] == 1


def test_mark_typical_only_closed_and_by_the_right_roles(world):
    open_case = to_state(world, "handled")
    with pytest.raises(IllegalTransition):
        actions.do_mark_typical(world.actor("disp_zt"), open_case, title="典型", writeup="写明")
    closed = to_state(world, "closed")
    with pytest.raises(Forbidden):
        actions.do_mark_typical(world.actor("water"), closed, title="典型", writeup="写明")
    with pytest.raises(Forbidden):
        actions.do_mark_typical(world.actor("disp_yx"), closed, title="典型", writeup="写明")
    with pytest.raises(InvalidInput):
        actions.do_mark_typical(world.actor("disp_zt"), closed, title="", writeup="写明")
    row = actions.do_mark_typical(world.actor("disp_zt"), closed, title="三天恢复供水", writeup="水务局连夜抢修")
    assert row.case == closed and TypicalEvent.objects.get(case=closed).action == "mark_typical"
    with pytest.raises(Conflict):
        actions.do_mark_typical(world.actor("leader_city"), closed, title="又一次", writeup="x")
    actions.do_unmark_typical(world.actor("leader_city"), closed)
    assert not TypicalCase.objects.exists()
    assert list(TypicalEvent.objects.values_list("action", flat=True).order_by("id")) == ["mark_typical",
                                                                                          "unmark_typical"]


def test_typical_cases_are_masked(world):
    closed = to_state(world, "closed", text="朱亭村停水，联系人：王小明，电话13812345678")
    actions.do_mark_typical(world.actor("leader_city"), closed, title="停水三天解决",
                            writeup="反映人王小明（13812345678）满意")
    rows = figures.typical_cases()
    assert len(rows) == 1
    blob = str(rows)
    assert "13812345678" not in blob and "王小明" not in blob
    assert "138****5678" in blob
