"""The registration's one-text path of the classifier (``classify.score_row``, used by
``top_category``) gives the same scores as the batch path (``score_matrix``), without a
trained model and with one."""

import csv
from pathlib import Path

import numpy as np

from minqing.insights import classify
from minqing.insights.text import read

DATA = Path(classify.__file__).parent / "data"


def _texts(name, n):
    with open(DATA / name, encoding="utf-8") as f:
        return [r["text"] for r in csv.DictReader(f)][:n]


def _same_scores(texts):
    contents = [read(t).content for t in texts]
    _cat, batch = classify.score_matrix(contents)
    for content, expected in zip(contents, batch):
        assert np.allclose(classify.score_row(content), expected, atol=1e-9), content


def test_one_text_scores_equal_the_batch_without_and_with_a_model(world):
    texts = _texts("eval_fresh.csv", 120) + ["", "？？？", "路灯  不亮\n\n三组", "ABC abc 停水"]
    _same_scores(texts)
    with open(DATA / "eval_tune.csv", encoding="utf-8") as f:
        samples = [(read(r["text"]).content, r["category"]) for r in csv.DictReader(f)]
    classify.train(samples)
    assert classify.catalog()[1] is not None
    _same_scores(texts)


def test_top_category_is_the_best_score_and_never_other(world):
    best = classify.top_category("自来水停了三天，水管爆裂")
    assert best[0] == "water_supply" and 0 < best[1] <= 1
    assert classify.top_category("你好") is None  # nothing to go on: 其他, which is no decision
