"""Category suggestions: keywords and descriptions alone, then with a model trained on decided cases."""

import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minqing.cases import actions
from minqing.cases.models import Category
from minqing.insights import classify
from minqing.insights.models import TrainedModel

from .conftest import SMALL_TRAINING, register


def test_top3_with_scores_from_keywords(world):
    sugg = classify.suggest("家里停水三天了，自来水一直没来")
    assert sugg[0]["code"] == "water_supply"
    assert len(sugg) <= 3 and all(0 < s["score"] <= 1 for s in sugg)
    assert sugg == sorted(sugg, key=lambda s: -s["score"])


def test_nothing_recognised_is_other(world):
    assert classify.suggest("嗯嗯啊啊")[0]["code"] == "other"


def test_keywords_edited_in_the_admin_are_used(world, settings):
    settings.MINQING_BASE_MODEL = False  # the keyword signal alone (the base model already guesses 车 → roads)
    assert classify.suggest("嘟嘟车太多了")[0]["code"] == "other"
    cat = Category.objects.get(code="roads_transport")
    cat.keywords += " 嘟嘟车"
    cat.save()
    assert classify.suggest("嘟嘟车太多了")[0]["code"] == "roads_transport"


def test_training_needs_enough_decided_cases(world):
    with pytest.raises(classify.TrainingError):
        classify.train()
    assert not TrainedModel.objects.exists()


def test_train_on_the_dispatchers_final_choice(world):
    disp = world.actor("disp_zt")
    # the dispatcher decides "labour_rights" for a text the keywords alone would not place there
    for text, code in SMALL_TRAINING:
        case = register(world, text, category=code, region="430212101201")
        actions.assign(disp, case, department="zt-office")
    for i in range(6):
        case = register(world, f"蓝马甲站长又乱扣我们钱了第{i}回", category="labour_rights", region="430212101201")
        actions.assign(disp, case, department="zt-office")
    before = classify.suggest("蓝马甲站长乱扣钱")
    assert before[0]["code"] == "other"
    row = classify.train()
    assert row.n_samples == len(SMALL_TRAINING) + 6 and os.path.exists(row.path)
    assert "labour_rights" in row.classes
    classify.invalidate()
    after = classify.suggest("蓝马甲站长乱扣钱")
    assert classify.catalog()[1] is not None
    assert after[0]["code"] == "labour_rights"
    # the worker job skips when nothing new was dispatched
    assert classify.train_job().startswith("skipped")


def test_train_command_from_csv(world, tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("text,category\n" + "\n".join(f"{t},{c}" for t, c in SMALL_TRAINING), encoding="utf-8")
    call_command("insights", "train", "--csv", str(path))
    assert TrainedModel.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("words\nx\n", encoding="utf-8")
    with pytest.raises(CommandError, match="text"):
        call_command("insights", "train", "--csv", str(bad))


# ---- the shipped base model and callers' words ----------------------------------------


def test_a_fresh_deployment_uses_the_shipped_base_model(world):
    assert classify.BASE_MODEL.exists() and classify.BASE_MODEL.stat().st_size < 2 * 1024 * 1024
    assert not TrainedModel.objects.exists()
    _cat, model = classify.catalog()
    assert model is not None  # no local training yet: the base model
    # no keyword of the category, callers' words only
    assert classify.suggest("水龙头放出来的水黄黄的，像泥巴汤")[0]["code"] == "water_supply"
    assert classify.suggest("老板跑了，做了半年的事一分钱冇拿到")[0]["code"] == "labour_rights"


def test_without_the_base_model_keywords_decide_alone(world, settings):
    settings.MINQING_BASE_MODEL = False
    classify.invalidate()
    classify._cache["catalog"] = None
    assert classify.catalog()[1] is None


def test_local_training_starts_from_the_base_corpus(world):
    corpus = classify.base_corpus()
    assert len(corpus) > 1000 and {c for _t, c in corpus} >= {"water_supply", "other"}
    row = classify.train([("咯里的嘟嘟车天天乱停", "roads_transport")] * 25)
    assert row.n_samples == 25  # the local cases; the base corpus is added to them
    _cat, model = classify.catalog()
    assert set(model.classes_) >= {"water_supply", "labour_rights", "roads_transport"}
