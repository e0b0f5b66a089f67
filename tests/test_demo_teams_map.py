"""The demo shows issue 16 parts 5 and 6 with data: team visits, collective visit days with progress,
frequency rules partly met, and a map of its two counties with values and points."""

import pytest
from django.db import transaction

from minqing.cases.models import Case
from minqing.demo import build
from minqing.geo import boundaries, mapdata
from minqing.insights import figures
from minqing.regions.models import Region
from minqing.visits import actions
from minqing.visits.models import FrequencyRule, Visit, VisitDay, VisitMember


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build(160, seed=7)
        transaction.set_rollback(True)


@pytest.fixture
def demo(built, db):
    return built


def test_demo_has_teams_days_and_frequency_rules(demo):
    assert VisitMember.objects.count() > 0
    team = Visit.objects.filter(members__isnull=False).distinct()
    assert team.exists() and team.filter(lat__isnull=False).exists()
    days = list(VisitDay.objects.order_by("date"))
    assert len(days) == 4
    past = [actions.day_progress(d) for d in days if d.targets.exists() and d.date < Visit.objects.latest("date").date]
    assert past and all(0 < p["visited"] < p["targets"] for p in past)
    scope = figures.make_visit_scope(Region.objects.get(code="430200000000"))
    compliance = figures.frequency_rules_compliance(scope)
    assert {c["name"] for c in compliance} == set(FrequencyRule.objects.values_list("name", flat=True))
    firms = next(c for c in compliance if c["kind"] == "enterprise")
    assert 0 < firms["compliant"] < firms["subjects"]
    assert figures.participation(scope)["member_credits"] > 0


def test_demo_map(demo):
    city = Region.objects.get(code="430200000000")
    m = mapdata.build(city, "intake", cases_qs=Case.objects.all())
    values = {f["properties"]["name"]: f["properties"]["value"] for f in m["features"]}
    assert set(values) == {"渌口区", "攸县"} and all(v > 0 for v in values.values())
    assert len([p for p in m["points"] if p["kind"] == "case"]) >= 40
    if boundaries.available():
        assert all(f["geometry"] for f in m["features"])
