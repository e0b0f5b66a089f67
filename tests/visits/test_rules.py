"""Coverage rules as data: boundary cases (rank at the threshold, a visit on the period's last day)."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from minqing.insights import figures
from minqing.people.scoping import Actor
from minqing.visits import actions
from minqing.visits.models import CoverageRule

from .conftest import make_cadre, make_subject

D = dt.date


@pytest.fixture
def rw(vworld):
    w = vworld
    make_cadre(w, "staff1", rank="staff")
    make_cadre(w, "sec1", rank="section")
    make_cadre(w, "div1", rank="division")
    for i in range(1, 5):
        make_subject(w, f"P{i}", tags=["建档立卡户"])
    make_subject(w, "X1")  # not tagged: not under the rule
    make_subject(w, "E1", kind="enterprise", tags=["列统企业"])
    w.regions["430212101201"].tags = ["经济薄弱村"]
    w.regions["430212101201"].save()
    w.regions["430212102201"].tags = ["经济薄弱村"]
    w.regions["430212102201"].save()
    return w


def v(cadre, subjects, day, method="door", region=None):
    return actions.record_visit(Actor.system(), cadre=cadre, subjects=subjects, date=day, method=method,
                                region=region)


def check(rule, to):
    return figures.rule_compliance(rule, figures.make_visit_scope(None, None, to))


def test_household_rank_threshold_and_last_day(rw):
    rule = CoverageRule.objects.create(name="建档立卡户 科级 每季度", target="household", tag="建档立卡户",
                                       min_rank="section", period="quarter")
    v("sec1", ["P1"], D(2026, 3, 31))    # exactly 科级, on the quarter's last day: counts
    v("staff1", ["P2"], D(2026, 2, 1))   # 科员 is below the threshold: does not count
    v("div1", ["P3"], D(2026, 1, 1))     # 处级 above, on the first day: counts
    v("sec1", ["P4"], D(2025, 12, 31))   # the day before the quarter: does not count
    r = check(rule, "2026-03-31")
    assert r["window"] == {"from": "2026-01-01", "to": "2026-03-31", "counted_until": "2026-03-31"}
    assert (r["subjects"], r["compliant"], r["non_compliant"]) == (4, 2, 2)
    assert r["compliant_subjects"] == ["P1", "P3"] and r["non_compliant_subjects"] == ["P2", "P4"]
    # as of Mar 30 the visit of Mar 31 has not happened yet
    assert check(rule, "2026-03-30")["compliant_subjects"] == ["P3"]
    # on Apr 1 the rule looks at Q2: nobody is compliant yet
    r = check(rule, "2026-04-01")
    assert r["window"]["from"] == "2026-04-01" and r["compliant"] == 0 and r["subjects"] == 4


def test_rank_change_after_the_visit_does_not_rewrite_history(rw):
    from minqing.people.models import Profile

    rule = CoverageRule.objects.create(name="r", target="household", tag="建档立卡户", min_rank="section",
                                       period="quarter")
    v("staff1", ["P1"], D(2026, 2, 1))
    Profile.objects.filter(user__username="staff1").update(rank="section")  # promoted later
    assert check(rule, "2026-03-31")["compliant"] == 0


def test_village_rule_in_campaign(rw):
    rule = CoverageRule.objects.create(name="经济薄弱村 处级 活动期", target="village", tag="经济薄弱村",
                                       min_rank="division", period="campaign", starts_on=D(2026, 3, 1),
                                       ends_on=D(2026, 5, 31))
    v("div1", ["P1"], D(2026, 5, 31))  # a household of 朱亭村, on the campaign's last day
    v("div1", [], D(2026, 6, 1), method="meeting", region="430212102201")  # 龙船村, a day late
    r = check(rule, "2026-06-30")
    assert r["window"] == {"from": "2026-03-01", "to": "2026-05-31", "counted_until": "2026-05-31"}
    assert r["compliant_subjects"] == ["430212101201"] and r["non_compliant_subjects"] == ["430212102201"]
    v("sec1", [], D(2026, 4, 1), method="meeting", region="430212102201")  # 科级 < 处级
    assert check(rule, "2026-06-30")["compliant"] == 1


def test_half_year_enterprise_rule_any_rank(rw):
    rule = CoverageRule.objects.create(name="列统企业 每半年", target="enterprise", tag="列统企业", period="half_year")
    v("staff1", ["E1"], D(2026, 6, 30))
    assert check(rule, "2026-06-30")["compliant_subjects"] == ["E1"]
    assert check(rule, "2026-07-01")["non_compliant_subjects"] == ["E1"]


def test_rule_region_limits_subjects(rw):
    make_subject(rw, "P9", region="430212102201", tags=["建档立卡户"])
    rule = CoverageRule.objects.create(name="only 龙船村", target="household", tag="建档立卡户",
                                       region=rw.regions["430212102201"], period="year")
    r = check(rule, "2026-03-31")
    assert r["subjects"] == 1 and r["non_compliant_subjects"] == ["P9"]


def test_campaign_rule_needs_dates(rw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        CoverageRule(name="x", target="village", period="campaign").full_clean()


def test_inactive_rules_left_out_and_command_lists_rules(rw, capsys):
    CoverageRule.objects.create(name="on", target="household", tag="建档立卡户", period="quarter")
    CoverageRule.objects.create(name="off", target="household", period="quarter", active=False)
    v("sec1", ["P2"], D(2026, 2, 2))
    call_command("coverage", "--rules", "--json", "--from", "2026-01-01", "--to", "2026-03-31")
    out = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in out["rules"]] == ["on"]
    assert out["rules"][0]["compliant_subjects"] == ["P2"]
    assert out["rules"][0]["non_compliant_subjects"] == ["P1", "P3", "P4"]
    call_command("coverage", "--rules", "--json", "--to", "2026-03-31", "--limit", "1")
    out = json.loads(capsys.readouterr().out)
    assert out["rules"][0]["non_compliant_subjects"] == ["P1"] and out["rules"][0]["truncated"] is True
    assert out["rules"][0]["non_compliant"] == 3


def test_seeded_examples(db):
    import importlib

    from django.apps import apps

    seed = importlib.import_module("minqing.visits.migrations.0002_seed_rules")
    CoverageRule.objects.all().delete()
    seed.seed(apps, None)
    seed.seed(apps, None)  # idempotent
    rules = {r.tag: r for r in CoverageRule.objects.all()}
    assert len(rules) == 4
    assert (rules["建档立卡户"].min_rank, rules["建档立卡户"].period) == ("section", "quarter")
    assert (rules["经济薄弱村"].target, rules["经济薄弱村"].min_rank) == ("village", "division")
    assert rules["列统企业"].period == "half_year"
    for r in rules.values():
        r.full_clean()
