"""The 1M bench fixture writes the same insight and search rows as ``index_cases``."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


def _rows():
    from minqing.insights.models import CaseInsight, DupKey, SearchGram

    insights = {i["case_id"]: i for i in CaseInsight.objects.values(
        "case_id", "norm_text", "content", "tokens", "place_code", "place_key", "categories", "category_scores")}
    grams = {}
    for case_id, gram in SearchGram.objects.values_list("case_id", "gram"):
        grams.setdefault(case_id, []).append(gram)
    return insights, {k: sorted(v) for k, v in grams.items()}, DupKey.objects.count()


@pytest.mark.django_db(transaction=True)
def test_fixture_index_rows_are_index_cases_rows():
    import fixture

    from minqing.cases.models import Case, Category
    from minqing.insights.indexing import index_cases
    from minqing.insights.models import PendingIndex

    Category.objects.get_or_create(code="water_supply", defaults={"name": "供水"})  # gone after a flush
    fixture.load(40, fixture.STATS_MIX, log=lambda m: None, index=False)
    # cases with the same text, address and region as others: their rows are copied, not computed
    for n, c in enumerate(Case.objects.order_by("id")[:15]):
        c.pk = None
        c.tracking_code = f"MX{n:010d}"
        c.save(force_insert=True)
    assert fixture.load_index(log=lambda m: None) == 55
    insights, grams, dupkeys = _rows()
    assert len(insights) == len(grams) == 55 and dupkeys == 0
    assert fixture.load_index(log=lambda m: None) == 0  # nothing left to index

    rows = list(Case.objects.values("id", "text", "address", "region__code"))
    assert PendingIndex.objects.count() == 0
    index_cases(rows)
    expected, expected_grams, _ = _rows()
    assert insights == expected
    assert grams == expected_grams
    copy = Case.objects.order_by("-id").first()
    original = Case.objects.filter(text=copy.text, region=copy.region).order_by("id").first()
    assert copy.pk != original.pk and grams[copy.pk] == grams[original.pk]
