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
