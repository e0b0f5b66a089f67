"""The registration receiver, the lazy index and the duplicate check."""

from minqing.cases import actions
from minqing.cases.models import Case
from minqing.insights import analyze, duplicates, indexing
from minqing.insights.models import CaseInsight, DupKey, PendingIndex, SearchGram

from .conftest import SMALL_TRAINING, call, register


def test_registration_only_queues_the_case(world):
    case = register(world, "朱亭镇朱亭村停水三天了，一点通知都没有")
    assert PendingIndex.objects.filter(case=case).exists()
    assert not CaseInsight.objects.filter(case=case).exists()
    assert indexing.catch_up() == 1
    ins = CaseInsight.objects.get(case=case)
    assert ins.place_code == "430212101201" and ins.place_key == "430212101"
    assert ins.categories[0] == "water_supply"
    assert "朱亭" not in ins.content  # place names are blanked out of the content
    assert DupKey.objects.filter(case=case).count() >= 3
    assert SearchGram.objects.filter(case=case).exists()
    assert not PendingIndex.objects.exists()


def test_rolled_back_registration_leaves_nothing(world):
    from django.db import transaction

    try:
        with transaction.atomic():
            register(world, "朱亭村停水")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert not PendingIndex.objects.exists() and not Case.objects.exists()


def _train_small(world):
    from minqing.insights import classify

    classify.train(SMALL_TRAINING)


def test_paraphrase_at_the_same_place_is_found(world):
    _train_small(world)
    original = register(world, "朱亭镇朱亭村停水三天了，一点通知都没有")
    register(world, "朱亭镇朱亭村的路面坑坑洼洼，下雨全是积水")
    register(world, "龙船镇龙船村停水三天了，一点通知都没有")  # same words, another place
    out = analyze.analyze("渌口区朱亭村这几天一直没有自来水，停水三天了也不通知")
    assert [d["case_id"] for d in out["duplicates"]] == [original.pk]
    assert out["duplicates"][0]["tracking_code"] == original.tracking_code


def test_without_a_model_the_overlap_check_still_works(world):
    original = register(world, "朱亭镇朱亭村停水三天了，一点通知都没有")
    out = analyze.analyze("朱亭村停水三天了，一点通知都没有，老人做饭都难")
    assert [d["case_id"] for d in out["duplicates"]] == [original.pk]


def test_closed_merged_and_invalid_cases_are_not_candidates(world):
    disp = world.actor("disp_zt")
    a = register(world, "朱亭镇朱亭村停水三天了，一点通知都没有", region="430212101201")
    b = register(world, "朱亭镇朱亭村停水三天了，一点通知都没有啊", region="430212101201")
    text = "朱亭镇朱亭村停水三天了一点通知都没有"
    assert {d["case_id"] for d in analyze.analyze(text)["duplicates"]} == {a.pk, b.pk}
    actions.merge(disp, b, into=a.pk)
    assert {d["case_id"] for d in analyze.analyze(text)["duplicates"]} == {a.pk}
    actions.invalidate(disp, a.pk, reason="测试")
    assert analyze.analyze(text)["duplicates"] == []
    assert indexing.prune() > 0


def test_duplicates_api_respects_scope_and_offers_merge(world):
    a = register(world, "朱亭镇朱亭村停水三天了，一点通知都没有", region="430212101201")
    b = register(world, "朱亭村停水三天了一点通知都没有", region="430212101201")
    r = call(world, "disp_zt", "get", f"/api/v1/insights/cases/{b.pk}/duplicates")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [d["case_id"] for d in body["duplicates"]] == [a.pk] and body["merge"].endswith("/merge")
    # 攸县's dispatcher cannot see the case
    assert call(world, "disp_yx", "get", f"/api/v1/insights/cases/{b.pk}/duplicates").status_code == 404
    # merging follows through the actions layer
    actions.merge(world.actor("disp_zt"), b, into=a.pk)
    assert Case.objects.get(pk=b.pk).merged_into_id == a.pk


def test_keys_need_a_place():
    assert duplicates.keys_for("", "停水三天", ["water_supply"]) == []
    keys = duplicates.keys_for("430212101", "停水三天", ["water_supply", "other"])
    assert len(keys) == len(set(keys)) == 2 + duplicates.NUM_BANDS


# ---- near misses stay apart; callers' words still match -----------------------------------


def test_conflict_of_facets_and_sub_places():
    from minqing.insights.normalize import normalize as n

    assert duplicates.conflict(n("停水三天了"), n("水压太低，二楼上不去水"))
    assert duplicates.conflict(n("路灯坏了一个月"), n("井盖冇得了，一个大洞"))
    assert duplicates.conflict(n("工地半夜打桩吵死人"), n("饭店的油烟对着窗户排"))
    assert duplicates.conflict(n("老板欠了半年工钱"), n("厂里冇帮我们交社保"))
    assert duplicates.conflict(n("龙船村三组的路烂了"), n("龙船村七组的路烂了"))
    assert duplicates.conflict(n("杨家组的路烂了"), n("李家组的路烂了"))
    assert duplicates.conflict(n("老街的下水道堵了"), n("新街的下水道堵了"))
    # the same problem in other words, or one text without the detail: no conflict
    assert not duplicates.conflict(n("冇得水两天了"), n("停水两天，至今未恢复供水"))
    assert not duplicates.conflict(n("龙船村三组停水"), n("三组这边没有自来水"))
    assert not duplicates.conflict(n("月塘街道路灯不亮"), n("月塘街道的路灯坏了"))
    assert not duplicates.conflict(n("自来水有泥巴味，全是沙"), n("水很浑，一股泥土味"))


def test_near_miss_at_the_same_place_is_not_a_duplicate_but_callers_words_are(world):
    original = register(world, "朱亭镇朱亭村停水三天了，一点通知都没有")
    near = register(world, "朱亭镇朱亭村的水压太低，二楼以上上不去水")
    out = analyze.analyze("朱亭村咯里冇得水三天了，也冇哪个来讲一声")
    ids = [d["case_id"] for d in out["duplicates"]]
    assert original.pk in ids and near.pk not in ids
    out = analyze.analyze("朱亭镇朱亭村水压好小，楼上的水上不去")
    ids = [d["case_id"] for d in out["duplicates"]]
    assert near.pk in ids and original.pk not in ids
