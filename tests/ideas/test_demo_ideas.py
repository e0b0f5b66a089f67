"""The demo shows 金点子 with data: a campaign with a period, submissions reviewed (adopted, merged,
answered, with outcomes) and typical cases on /board/typical/, all with their events."""

import pytest
from django.db import transaction
from django.test import Client

from minqing.demo import build
from minqing.ideas import figures
from minqing.ideas.models import Campaign, CampaignEvent, TypicalCase, TypicalEvent


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build(160, seed=7)
        transaction.set_rollback(True)


@pytest.fixture
def demo(built, db):
    return built


def test_demo_campaign_is_reviewed_and_has_typical_cases(demo):
    c = Campaign.objects.get(slug="jindianzi-2026")
    assert c.starts and c.ends and c.is_open()
    f = figures.campaign_figures(c)
    assert f["submissions"] >= 3 and f["adopted"] >= 1 and f["reviewed"] >= 2
    for link in c.links.exclude(status="pending"):
        assert CampaignEvent.objects.filter(link=link, action__in=["adopt", "merge", "answer"]).count() == 1
    first = c.links.order_by("case__registered_at").first()
    assert first.case.registered_at.date() >= c.starts  # the period covers its submissions
    assert TypicalCase.objects.count() >= 2
    for t in TypicalCase.objects.all():
        assert t.case.state == "closed" and TypicalEvent.objects.filter(case=t.case, action="mark_typical").exists()
    client = Client()
    page = client.get(f"/ideas/{c.slug}/").content.decode()
    adopted = c.links.filter(status="adopted").first()
    assert adopted.topic in page
    board = client.get("/board/typical/").content.decode()
    assert all(t.title in board for t in TypicalCase.objects.all())
