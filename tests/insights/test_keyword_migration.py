"""The keyword migration 0004: additions reach only the categories a deployment did not edit."""

import importlib

from django.apps import apps

from minqing.cases.models import Category
from minqing.insights import classify

mig = importlib.import_module("minqing.insights.migrations.0004_more_category_keywords")


def test_migrated_database_has_the_additions(db):
    cat = Category.objects.get(code="roads_transport")
    assert cat.keywords == mig.new_keywords("roads_transport")
    assert "坑坑洼洼" in cat.keywords.split()


def test_only_unedited_keywords_get_the_additions_and_backwards_restores_them(db):
    Category.objects.filter(code="roads_transport").update(keywords=mig.PREVIOUS["roads_transport"])
    Category.objects.filter(code="public_security").update(keywords="诈骗 赌博 我们自己的词")
    mig.forwards(apps, None)
    assert Category.objects.get(code="roads_transport").keywords == mig.new_keywords("roads_transport")
    assert Category.objects.get(code="public_security").keywords == "诈骗 赌博 我们自己的词"
    mig.backwards(apps, None)
    assert Category.objects.get(code="roads_transport").keywords == mig.PREVIOUS["roads_transport"]
    assert Category.objects.get(code="public_security").keywords == "诈骗 赌博 我们自己的词"


def test_added_keywords_decide_texts_the_old_lists_missed(db, settings):
    settings.MINQING_BASE_MODEL = False  # the keyword signal alone: the base model knows these texts anyway
    texts = {"被强制购物了": "culture_tourism", "电动车被偷了": "public_security", "一帮人天天赌钱": "public_security"}
    classify.invalidate()
    classify._cache["catalog"] = None
    assert {t: classify.suggest(t)[0]["code"] for t in texts} == texts
    for code in mig.ADDED:
        Category.objects.filter(code=code).update(keywords=mig.PREVIOUS[code])
    classify.invalidate()
    assert all(classify.suggest(t)[0]["code"] != want for t, want in texts.items())
