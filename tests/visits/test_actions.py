"""Recording visits: problems become cases linked back, all or nothing, who may record."""

import datetime as dt

import pytest

from minqing.cases.errors import Forbidden, InvalidInput
from minqing.cases.models import Case
from minqing.people.scoping import Actor
from minqing.visits import actions
from minqing.visits.models import Visit, VisitSubject

from .conftest import make_cadre, make_subject


@pytest.fixture
def setup(vworld):
    make_cadre(vworld, "li", rank="section")
    make_subject(vworld, "H1", phone="13812345678")
    make_subject(vworld, "H2")
    make_subject(vworld, "H3", region="430212101201-G1")
    return vworld


def test_visit_with_problems_registers_linked_cases(setup):
    w = setup
    li = w.actor("li")
    visit = actions.record_visit(li, cadre="li", subjects=["H1"], date=dt.date.today(), method="door",
                                 notes="走访了解情况", problems=[{"text": "门前路灯坏了", "category": "municipal_facilities"},
                                                            {"text": "孩子上学远"}])
    cases = list(visit.cases.order_by("id"))
    assert [c.channel for c in cases] == ["visit", "visit"]
    assert cases[0].category.code == "municipal_facilities"
    # a problem without a category waits for a person, unless the classifier was sure of one (a system event)
    assert cases[1].category is None or cases[1].events.filter(action="categorize", actor__isnull=True).exists()
    assert cases[0].region.code == "430212101201" and cases[0].reporter_phone == "13812345678"
    assert cases[0].created_by == w.users["li"]
    assert list(cases[0].visits.all()) == [visit]
    link = VisitSubject.objects.get(visit=visit)
    assert link.rank_level == 2 and link.subject_kind == "household" and link.date == dt.date.today()
    assert visit.cadre_rank == "section" and visit.region.code == "430212101201"


def test_bad_problem_leaves_nothing(setup):
    with pytest.raises(InvalidInput) as e:
        actions.record_visit(setup.actor("li"), cadre="li", subjects=["H1"], date=dt.date.today(), method="door",
                             problems=[{"text": "ok"}, {"text": "bad", "category": "no_such"}])
    assert e.value.field == "problems.1.category"
    assert Visit.objects.count() == 0 and Case.objects.count() == 0


def test_meeting_region_is_common_ancestor(setup):
    v = actions.record_visit(setup.actor("li"), cadre="li", subjects=["H1", "H3"], date=dt.date.today(),
                             method="meeting")
    assert v.region.code == "430212101201" and v.subjects.count() == 2


@pytest.mark.parametrize("kwargs,field", [
    (dict(subjects=["H1", "H2"], method="door"), "method"),
    (dict(subjects=["NOPE"], method="door"), "subjects"),
    (dict(subjects=["H1"], method="fax"), "method"),
    (dict(subjects=[], method="door"), "subjects"),
    (dict(subjects=["H1"], method="door", date=dt.date.today() + dt.timedelta(days=1)), "date"),
    (dict(subjects=["H1"], method="door", cadre="disp_zt"), "cadre"),
    (dict(subjects=["H1"], method="door", problems=[{"text": ""}]), "problems.0.text"),
    (dict(subjects=["H1"], method="door", problems=[{"text": "x", "subject": "H2"}]), "problems.0.subject"),
])
def test_refused_input_names_the_field(setup, kwargs, field):
    args = dict(cadre="li", date=dt.date.today())
    args.update(kwargs)
    with pytest.raises(InvalidInput) as e:
        actions.record_visit(setup.actor("li"), **args)
    assert e.value.field == field
    assert Visit.objects.count() == 0


def test_only_own_visits_unless_dispatcher(setup):
    w = setup
    make_cadre(w, "wang")
    with pytest.raises(Forbidden):
        actions.record_visit(w.actor("wang"), cadre="li", subjects=["H1"], date=dt.date.today(), method="door")
    v = actions.record_visit(w.actor("disp_zt"), cadre="li", subjects=["H1"], date=dt.date.today(), method="phone")
    assert v.cadre == w.users["li"] and v.recorded_by == w.users["disp_zt"]
    with pytest.raises(Forbidden):  # a dispatcher of another county
        actions.record_visit(w.actor("disp_yx"), cadre="li", subjects=["H1"], date=dt.date.today(), method="door")


def test_contact_masked_unless_paired_or_dispatcher(setup):
    w = setup
    s = actions.load_subject("H1")
    make_cadre(w, "wang")
    assert actions.subject_dict(s, w.actor("wang"))["phone"] == "138****5678"
    assert actions.subject_dict(s, w.actor("wang"))["name"] == "张**"
    assert actions.subject_dict(s, w.actor("disp_zt"))["phone"] == "13812345678"
    actions.pair(w.actor("disp_zt"), cadre="wang", subjects=["H1"], role="steward")
    assert actions.subject_dict(s, w.actor("wang"))["phone"] == "13812345678"
    assert actions.subject_dict(s, w.actor("leader_city"))["contact_masked"] is True
    card = actions.contact_card(s)
    assert card["cadres"][0]["phone"] == "13900001111" and card["cadres"][0]["unit"] == "朱亭镇"
    assert card["subject"] == "张**"


def test_pairing_scope_and_unpair(setup):
    w = setup
    with pytest.raises(Forbidden):
        actions.pair(w.actor("disp_yx"), cadre="li", subjects=["H1"])
    (p,) = actions.pair(w.actor("disp_zt"), cadre="li", subjects=["H1"])
    assert actions.pair(w.actor("disp_zt"), cadre="li", subjects=["H1"])[0].pk == p.pk  # idempotent
    actions.unpair(w.actor("disp_zt"), p)
    p.refresh_from_db()
    assert p.until == dt.date.today()
    assert actions.contact_card(actions.load_subject("H1"), today=dt.date.today() + dt.timedelta(days=1))["cadres"] == []


def test_visible_subjects(setup):
    from minqing.visits.models import Subject

    w = setup
    assert actions.visible_subjects(w.actor("disp_yx"), Subject.objects.all()).count() == 0
    assert actions.visible_subjects(w.actor("leader_city"), Subject.objects.all()).count() == 3
    make_cadre(w, "far", region="430223100")
    assert actions.visible_subjects(w.actor("far"), Subject.objects.all()).count() == 0
    actions.pair(Actor.system(), cadre="far", subjects=["H2"])
    assert list(actions.visible_subjects(w.actor("far"), Subject.objects.all()).values_list("external_id", flat=True)) == ["H2"]


def test_cli_records_visits_and_pairs(setup, tmp_path, capsys):
    import json as _json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("visit", "pair", "--cadre", "li", "--subjects", "H1,H2")
    assert setup.users["li"].pairings.count() == 2
    call_command("visit", "add", "--cadre", "li", "--subjects", "H1", "--date", dt.date.today().isoformat(),
                 "--method", "door", "--problem", "桥坏了|roads_transport", "--problem", "想办低保", "--json")
    out = capsys.readouterr().out
    body = _json.loads(out[out.index("{"):])
    visit = Visit.objects.get()
    assert body["id"] == visit.pk and len(body["cases"]) == 2
    first, second = visit.cases.order_by("id")
    assert first.category.code == "roads_transport"
    assert second.category is None or second.events.filter(action="categorize", actor__isnull=True).exists()
    with pytest.raises(CommandError, match="--method"):
        call_command("visit", "add", "--cadre", "li", "--subjects", "H1", "--date", "2026-01-01", "--method", "x")
    with pytest.raises(CommandError, match="不是干部|not a cadre"):
        call_command("visit", "add", "--cadre", "water", "--subjects", "H1", "--date", "2026-01-01",
                     "--method", "door")
    xlsx = tmp_path / "plan.xlsx"
    call_command("plan", "--region", "430212", "--xlsx", str(xlsx))
    assert xlsx.stat().st_size > 0
    with pytest.raises(CommandError, match="--load"):
        call_command("plan", "--region", "430212", "--load", "0")
