"""Coverage and participation against small worlds computed by hand."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from minqing.insights import figures
from minqing.people.scoping import Actor
from minqing.visits import actions

from .conftest import make_cadre, make_subject

D = dt.date


def visit(cadre, subjects, day, method="door"):
    if len(subjects) > 1:
        method = "meeting"
    return actions.record_visit(Actor.system(), cadre=cadre, subjects=subjects, date=day, method=method)


@pytest.fixture
def small(vworld):
    """朱亭村 (430212101201): households H1..H4 (H3, H4 in its grid), enterprise E1 tagged 列统企业;
    龙船村 (430212102201): households H5, H6; H1, H5 tagged 低保户.
    Cadres: a, b in 朱亭镇; c in 龙船镇; d in 攸县 (outside 渌口区).
    Visits in Q1 2026: a→H1 (Jan 5), a→H1 (Feb 1), b meeting H2+H3 (Mar 31), c→H5 (Mar 1),
    and outside the window: a→H4 (Dec 31 2025), c→H6 (Apr 1).
    """
    w = vworld
    for u, region in (("a", "430212101"), ("b", "430212101"), ("c", "430212102"), ("d", "430223100")):
        make_cadre(w, u, rank="section", region=region)
    make_subject(w, "H1", tags=["低保户"])
    make_subject(w, "H2")
    make_subject(w, "H3", region="430212101201-G1")
    make_subject(w, "H4", region="430212101201-G1")
    make_subject(w, "E1", kind="enterprise", tags=["列统企业"])
    make_subject(w, "H5", region="430212102201", tags=["低保户"])
    make_subject(w, "H6", region="430212102201")
    visit("a", ["H1"], D(2026, 1, 5))
    visit("a", ["H1"], D(2026, 2, 1))
    visit("b", ["H2", "H3"], D(2026, 3, 31))
    visit("c", ["H5"], D(2026, 3, 1))
    visit("a", ["H4"], D(2025, 12, 31))
    visit("c", ["H6"], D(2026, 4, 1))
    return w


def cov(region=None, f="2026-01-01", t="2026-03-31"):
    return figures.coverage(figures.make_visit_scope(region, f, t))


def test_overall_by_kind_tag_region(small):
    r = cov()
    vc = r["visit_coverage"]
    # visited in Q1: H1, H2, H3, H5 = 4 of 7
    assert (vc["visited"], vc["subjects"], vc["rate"]) == (4, 7, round(4 / 7, 4))
    assert vc["by_kind"]["household"] == {"rate": round(4 / 6, 4), "visited": 4, "subjects": 6}
    assert vc["by_kind"]["enterprise"] == {"rate": 0.0, "visited": 0, "subjects": 1}
    assert vc["by_tag"]["低保户"] == {"rate": 1.0, "visited": 2, "subjects": 2}
    assert vc["by_tag"]["列统企业"]["visited"] == 0
    # no region given: the roots (湖南省) are the rows
    assert [(x["region"], x["visited"], x["subjects"]) for x in vc["by_region"]] == [("430000", 4, 7)]


def test_region_scope_rolls_up_to_children(small):
    vc = cov("430212")["visit_coverage"]
    assert [(x["region"], x["visited"], x["subjects"]) for x in vc["by_region"]] == [
        ("430212101", 3, 5), ("430212102", 1, 2)]
    vc = cov("430212101201")["visit_coverage"]
    # the village itself (H1, H2, E1) and its grid (H3, H4)
    assert [(x["region"], x["visited"], x["subjects"]) for x in vc["by_region"]] == [
        ("430212101201", 2, 3), ("430212101201-G1", 1, 2)]


def test_window_edges(small):
    # a window that ends on Mar 30 loses the meeting of Mar 31
    vc = cov(t="2026-03-30")["visit_coverage"]
    assert vc["visited"] == 2
    # one that starts on Dec 31 2025 gains H4
    assert cov(f="2025-12-31")["visit_coverage"]["visited"] == 5


def test_never_visited_and_days_since(small):
    vc = cov()["visit_coverage"]
    never = vc["never_visited"]
    assert never["count"] == 3
    assert {x["external_id"]: x["days_since_last_visit"] for x in never["subjects"]} == {
        "E1": None, "H4": 90, "H6": None}  # H4: Dec 31 -> Mar 31; H6 only after the window
    rec = vc["days_since_last_visit"]
    # as of Mar 31: H2,H3 0 days; H5 30 days; H1 58 days; H4 90 days; E1, H6 never
    assert rec["0-30"] == 3 and rec["31-90"] == 2 and rec["never"] == 2 and rec["over_365"] == 0


def test_participation(small):
    pr = cov()["participation_rate"]
    # cadres a, b, c, d and the world's cadre_zt; active in Q1: a, b, c; visits 4 (a twice, b, c)
    assert (pr["active_cadres"], pr["cadres"], pr["rate"], pr["visits"]) == (3, 5, 0.6, 4)
    assert pr["visits_per_cadre"] == 0.8 and pr["visits_per_active_cadre"] == 1.33
    assert pr["by_method"] == {"door": 3, "meeting": 1}
    assert pr["by_rank"]["section"] == {"rate": 0.75, "active_cadres": 3, "cadres": 4}
    assert pr["by_rank"]["none"] == {"rate": 0.0, "active_cadres": 0, "cadres": 1}  # cadre_zt, no profile
    pr = cov("430212102")["participation_rate"]
    assert (pr["active_cadres"], pr["cadres"], pr["visits"]) == (1, 1, 1)
    # 攸县: its cadre d made no visit
    pr = cov("430223")["participation_rate"]
    assert (pr["active_cadres"], pr["cadres"], pr["rate"]) == (0, 1, 0.0)


def test_empty_world_has_no_rates(vworld):
    r = cov()
    assert r["visit_coverage"]["rate"] is None and r["visit_coverage"]["subjects"] == 0
    assert r["participation_rate"]["rate"] == 0.0  # the world's one cadre made no visit
    assert cov("430223")["participation_rate"]["rate"] is None  # no cadre there at all


def test_command_json(small, capsys):
    call_command("coverage", "--region", "430212", "--from", "2026-01-01", "--to", "2026-03-31", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["visit_coverage"]["visited"] == 4 and out["visit_coverage"]["subjects"] == 7
    assert out["participation_rate"]["active_cadres"] == 3 and out["participation_rate"]["cadres"] == 4
    assert "rules" not in out


def test_command_refuses_bad_input(small):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--region"):
        call_command("coverage", "--region", "nope", "--json")
    with pytest.raises(CommandError, match="--from"):
        call_command("coverage", "--from", "2026-05-01", "--to", "2026-04-01")


@pytest.mark.parametrize("region,f,t", [(None, "2026-01-01", "2026-04-30"), ("430212", "2026-02-01", "2026-12-31"),
                                         ("430212101201", "2025-01-01", "2026-06-30")])
def test_last_visit_shortcut_agrees_with_the_visit_links(small, region, f, t):
    scope = figures.make_visit_scope(region, f, t)
    fast = figures.visit_coverage(scope, source="subjects.last_visit")
    slow = figures.visit_coverage(scope, source="visit links")
    assert fast.pop("computed_from") == "subjects.last_visit" and slow.pop("computed_from") == "visit links"
    assert fast == slow


def test_window_ending_before_later_visits_uses_the_links(small):
    # c visited H6 on Apr 1: a Q1 window cannot use last_visit
    vc = cov()["visit_coverage"]
    assert vc["computed_from"] == "visit links"
    from minqing.visits.models import Subject

    assert Subject.objects.get(external_id="H1").last_visit == D(2026, 2, 1)
    assert Subject.objects.get(external_id="H6").last_visit == D(2026, 4, 1)


def test_restamp_after_a_region_moves(small):
    from minqing.regions.models import Region
    from minqing.visits.actions import restamp_paths
    from minqing.visits.models import Subject, VisitSubject

    # 龙船村 moves under 朱亭镇 the way the region import does it: a queryset update of the path
    village = Region.objects.get(code="430212102201")
    new_path = "/430000/430200/430212/430212101/430212102201/"
    Region.objects.filter(pk=village.pk).update(parent=Region.objects.get(code="430212101"), path=new_path)
    assert cov("430212101")["visit_coverage"]["subjects"] == 5  # stale until restamped
    assert restamp_paths() > 0
    assert Subject.objects.get(external_id="H5").region_path == new_path
    assert VisitSubject.objects.filter(subject__external_id="H5").get().subject_region_path == new_path
    assert cov("430212101")["visit_coverage"]["subjects"] == 7
    assert restamp_paths() == 0
