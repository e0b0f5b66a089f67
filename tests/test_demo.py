"""The demo region: a small build has every state, sane figures and honest event logs."""

import datetime as dt
from collections import defaultdict

import pytest
from django.db import transaction
from django.utils import timezone

from minqing.cases.models import Case, Effect, Event, ReturnVisit, State, Task
from minqing.demo import build, exists
from minqing.demo.build import fate_counts
from minqing.insights import figures
from minqing.people.models import ApiToken, Membership, Role, hash_token
from minqing.regions.models import Department, Region

SIZE = 160


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """One small demo for the module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build(SIZE, seed=7)
        transaction.set_rollback(True)


@pytest.fixture
def demo(built, db):
    return built


def test_fate_counts_cover_every_fate_and_the_size():
    for size in (9, 50, 160, 3000):
        counts = fate_counts(size)
        assert sum(counts.values()) == size
        assert all(n >= 1 for n in counts.values())


def test_every_state_appears(demo):
    assert demo.created
    # the played cases, and beside them the hazards of safety patrols and residents' small wishes
    assert Case.objects.exclude(channel="patrol").exclude(kind="wish").count() == SIZE
    assert Case.objects.filter(channel="patrol").exists() and Case.objects.filter(kind="wish").exists()
    assert set(demo.states) == set(State.values)
    assert all(demo.states[s] > 0 for s in State.values)


def test_places_people_and_token(demo):
    levels = set(Region.objects.values_list("level", flat=True))
    assert levels == {"province", "city", "county", "township", "village", "grid"}
    assert Region.objects.filter(level="county").count() == 2
    assert Region.objects.filter(level="township").count() >= 6
    village_codes = Region.objects.filter(level="village").values_list("code", flat=True)
    assert all(len(c) == 12 and c.isdigit() for c in village_codes)
    assert Department.objects.count() >= 12
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    # every department has a handler, every township a dispatcher
    handled = set(Membership.objects.filter(role=Role.HANDLER).values_list("department_id", flat=True))
    assert handled == set(Department.objects.values_list("id", flat=True))
    townships = set(Region.objects.filter(level="township").values_list("id", flat=True))
    dispatched = set(Membership.objects.filter(role=Role.DISPATCHER).values_list("region_id", flat=True))
    assert townships <= dispatched
    # the printed token works
    assert ApiToken.objects.filter(key_hash=hash_token(demo.token), revoked_at__isnull=True).exists()
    from django.contrib.auth import authenticate

    assert authenticate(username="disp_zhuting", password="demo12345") is not None


def test_cases_are_varied_and_inside_the_window(demo):
    now = timezone.now()
    cases = list(Case.objects.all())
    assert all(now - dt.timedelta(days=91) <= c.registered_at <= now for c in cases)
    assert len({c.channel for c in cases}) >= 6
    assert len({c.kind for c in cases}) >= 4
    assert len({c.category_id for c in cases}) >= 10
    assert any(c.anonymous and not c.reporter_phone for c in cases)
    assert all(len(c.text) >= 10 for c in cases)
    assert all(c.region is not None and c.region_path for c in cases)
    # the lifecycle's side roads are all travelled
    actions = set(Event.objects.values_list("action", flat=True))
    for action in ("register", "assign", "accept", "handle", "visit_back", "close_by_rule", "merge", "invalidate",
                   "escalate", "whistle", "report", "supervise", "extend", "approve_extension", "meet",
                   "task_created", "task_done", "overdue", "progress"):
        assert action in actions, action
    assert set(Event.objects.filter(action="progress").values_list("public", flat=True)) == {True, False}
    assert Case.objects.filter(reopen_count__gt=0).exists()
    assert set(Case.objects.filter(state=State.CLOSED).values_list("close_rule", flat=True)) >= {"satisfied", "anonymous"}


def test_event_logs_are_consistent(demo):
    events = defaultdict(list)
    for e in Event.objects.order_by("case_id", "at", "id"):
        events[e.case_id].append(e)
    for case in Case.objects.all():
        log = events[case.pk]
        assert log[0].action == "register" and log[0].at == case.registered_at
        assert [e.at for e in log] == sorted(e.at for e in log)
        # each event starts where the one before ended, and the last one ends in the case's state
        for before, after in zip(log, log[1:]):
            assert after.from_state == before.to_state, (case.pk, before.action, after.action)
        assert log[-1].to_state == case.state
        assert log[-1].at <= timezone.now()
    # closed ⇒ a satisfied return visit or a recorded rule, and an effect
    for case in Case.objects.filter(state=State.CLOSED):
        assert case.close_rule in ("satisfied", "anonymous", "unreachable")
        if case.close_rule == "satisfied":
            assert case.last_rating in ("satisfied", "basically_satisfied")
        assert Effect.objects.filter(case=case).exists()
    # no closed case has an open task
    assert not Task.objects.filter(status=Task.OPEN, cases__state=State.CLOSED).exists()


def test_figures_are_sane_and_agree_with_the_events(demo):
    out = figures.compute()
    counts = out["counts"]
    live = Case.objects.exclude(state__in=[State.MERGED, State.INVALID]).count()
    assert out["intake"] == counts["intake"] == live
    for key in ("response_rate", "completion_rate", "on_time_rate", "resolution_rate", "satisfaction_rate",
                "reopen_rate"):
        assert out[key] is not None and 0 < out[key] <= 1, key
    assert 1 <= out["mean_score"] <= 10
    assert out["satisfaction_rate"] > 0.6
    assert counts["rated_visits"] == ReturnVisit.objects.exclude(rating="").filter(
        case__state__in=[s for s in State.values if s not in ("merged", "invalid")]
    ).count()
    replayed = figures.from_events(list(Case.objects.values_list("id", flat=True)))
    for key, value in replayed.items():
        assert counts[key] == value, key
    # a township's figures are a part of the prefecture's
    town = Region.objects.filter(level="township").first()
    part = figures.compute(figures.make_scope(region=town.code))
    assert 0 < part["intake"] < out["intake"]


def test_rebuilding_adds_nothing(demo):
    before = (Case.objects.count(), Event.objects.count(), Region.objects.count(), Membership.objects.count())
    again = build(SIZE, seed=8)
    assert not again.created
    assert exists()
    after = (Case.objects.count(), Event.objects.count(), Region.objects.count(), Membership.objects.count())
    assert after == before


def test_visit_side_has_data_on_every_page(demo):
    """Households and enterprises with tags, pairings, three months of visits with 屋场夜话 whose problems
    became cases, coverage rules and a 金点子 campaign with submissions (issue 11, point 6)."""
    from django.test import Client

    from minqing.people.models import Profile
    from minqing.visits.models import CoverageRule, Pairing, Subject, Visit
    from minqing.web.models import Campaign, CampaignCase

    tags = set(Subject.objects.values_list("tags__name", flat=True))
    assert {"低保户", "独居老人", "退役军人", "重点企业", "规上企业"} <= tags
    assert Subject.objects.filter(kind="household").count() >= 400
    firms = Subject.objects.filter(kind="enterprise")
    assert firms.filter(region__level="county").exists() and firms.filter(region__level="township").exists()
    assert set(Pairing.objects.values_list("role", flat=True)) == {"paired", "steward", "contact"}
    today = timezone.localdate()
    dates = list(Visit.objects.values_list("date", flat=True))
    assert min(dates) <= today - dt.timedelta(days=80) and max(dates) <= today
    meetings = Visit.objects.filter(method="meeting")
    assert meetings.count() >= 10 and meetings.filter(cases__isnull=False).exists()
    visit_cases = Case.objects.filter(channel="visit")
    assert visit_cases.exists() and not visit_cases.filter(visits__isnull=True).exists()
    assert CoverageRule.objects.filter(active=True).count() >= 5
    campaign = Campaign.objects.get(active=True)
    assert CampaignCase.objects.filter(campaign=campaign).exists()
    # every user has a Chinese display name and a unit
    assert not Profile.objects.filter(display_name="").exists() and not Profile.objects.filter(unit="").exists()
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(profile__isnull=True).count() == 0
    # every visits page opens with data for the roles that have the menu link
    subject = Subject.objects.filter(visits__isnull=False, pairings__cadre__username="cadre_zhuting").first()
    lk = Region.objects.get(code="430212000000")
    visit = meetings.filter(cases__isnull=False, region_path__startswith=lk.path).first()
    for username, urls in [
        ("cadre_zhuting", ["/visits/", "/visits/new/", f"/visits/subject/{subject.external_id}/"]),
        ("disp_lk", ["/visits/", "/visits/coverage/", "/visits/region/430212000000/", "/visits/plan/?run=1",
                     f"/visits/{visit.pk}/"]),
        ("leader_city", ["/visits/", "/visits/coverage/", "/visits/plan/?run=1&region=430223000000"]),
    ]:
        c = Client()
        c.force_login(get_user_model().objects.get(username=username))
        for url in urls:
            r = c.get(url)
            assert r.status_code == 200, (username, url, r.status_code)
            assert "/visits/" in r.content.decode()
    html = c.get("/visits/coverage/").content.decode()
    assert "独居老人每月走访" in html and 'id="never"' in html


def test_backlog_and_policies_have_demo_data(demo):
    """包案, 息访协议, 固定接待日 and 免申即享 in the demo (issue 16, parts 1 and 2), on their pages."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from minqing.backlog.models import Agreement, Reception
    from minqing.policies.models import Delivery, Policy

    assert Case.objects.filter(leader__isnull=False).count() >= 4
    assert Agreement.objects.filter(content_type="application/pdf").exists()
    heard = Case.objects.filter(channel="reception", receptions__isnull=False)
    assert heard.exists() and all(c.leader_id == c.receptions.get().leader_id for c in heard)
    assert Reception.objects.filter(date__gt=timezone.localdate()).exists()
    assert Policy.objects.count() >= 5 and Delivery.objects.filter(visit__isnull=False).exists()
    client = Client()
    client.force_login(get_user_model().objects.get(username="leader_lk"))
    page = client.get("/work/backlog/").content.decode()
    assert "backlog-row" in page and "data-petition" in page
    assert "reception-row" in client.get("/work/reception/").content.decode()
    assert "policy-row" in client.get("/policies/").content.decode()

