"""The survey's figures: the sample drawn by seed, survey_figures(region, start, end) for the
dashboard, and a property: whatever the responses, the departments add up to the whole and
every rate is its own counts' ratio."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minqing.cases.errors import InvalidInput
from minqing.surveys import actions
from minqing.surveys.actions import do_create_survey, do_record_response, draw
from minqing.surveys.figures import results, survey_figures
from minqing.surveys.models import SurveyEvent, SurveyResponse

from .conftest import today


def test_draw_is_stratified_capped_and_reproducible():
    strata = {3: list(range(100, 120)), 1: [5, 6], 2: list(range(50, 60))}
    a = draw(strata, 4, seed=7)
    assert a == draw(strata, 4, seed=7)
    assert [d for d, _ in a] == [1, 1, 2, 2, 2, 2, 3, 3, 3, 3]
    for dept, case in a:
        assert case in strata[dept]
    assert len({c for _, c in a}) == len(a)
    assert {tuple(draw(strata, 4, seed=s)) for s in range(20)} != {tuple(a)}
    assert draw({}, 4, seed=1) == []
    # every case of a department equally likely: over many seeds each is drawn
    seen = {c for s in range(200) for _, c in draw({1: list(range(10))}, 2, seed=s)}
    assert seen == set(range(10))


def plan(w, region="430212", per=50, **kw):
    return do_create_survey(w.actor("leader_city"), region=region, date_from=today() - dt.timedelta(days=30),
                            date_to=today(), per_department=per, **kw)


def test_plan_writes_its_event_and_the_window_is_checked(sworld):
    s = plan(sworld, seed=99)
    ev = SurveyEvent.objects.get(survey=s)
    assert ev.action == "planned" and ev.data == {"seed": 99, "size": 7} and ev.actor == "leader_city"
    with pytest.raises(InvalidInput):
        do_create_survey(sworld.actor("leader_city"), region="430212", date_from=today(),
                         date_to=today() - dt.timedelta(days=1), per_department=1)
    # anonymous cases and cases without a phone are not sampled (nobody to call)
    from .conftest import closed_case

    anon = closed_case(sworld, "lk-roads", anonymous=True)
    nophone = closed_case(sworld, "lk-roads", phone="")
    s2 = plan(sworld)
    assert not {anon.pk, nophone.pk} & set(s2.items.values_list("case_id", flat=True))


def test_survey_figures_by_region_and_window(sworld):
    w = sworld
    s = plan(w, region="430200")
    by_dept = {}
    for item in s.items.all():
        by_dept.setdefault(item.department.code, []).append(item.case_id)
    lk, yx = w.actor("surv_lk"), w.actor("surv_yx")
    do_record_response(lk, s, by_dept["lk-water"][0], score=4, satisfied=False)
    do_record_response(lk, s, by_dept["lk-roads"][0], score=10, satisfied=True)
    do_record_response(lk, s, by_dept["lk-roads"][1], unreachable=True)
    old = today() - dt.timedelta(days=40)
    do_record_response(yx, s, by_dept["yx-water"][0], score=7, satisfied=True,
                       at=dt.datetime.combine(old, dt.time(10), tzinfo=dt.UTC))
    lk_region = w.regions["430212"]
    f = survey_figures(lk_region, today() - dt.timedelta(days=1), today())
    assert (f["responses"], f["reached"], f["unreached"], f["satisfied"]) == (3, 2, 1, 1)
    assert f["satisfaction_rate"] == 0.5 and f["mean_score"] == 7.0 and f["surveys"] == 1
    # the same cases' return visits: water case 0 was visited satisfied once (9); roads cases 9 each
    assert f["return_visit"]["rated"] == 3 and f["return_visit"]["satisfaction_rate"] == 1.0
    assert f["gap"]["satisfaction_rate"] == -0.5
    everything = survey_figures(None, None, None)
    assert everything["responses"] == 4
    assert survey_figures(w.regions["430223"], None, None)["responses"] == 1
    assert survey_figures(w.regions["430223"], today() - dt.timedelta(days=7), None)["responses"] == 0
    assert survey_figures(w.regions["430212101"], None, old)["responses"] == 0
    empty = survey_figures(w.regions["430212102"], None, None)
    assert empty["responses"] == 0 and empty["satisfaction_rate"] is None and empty["mean_score"] is None


def test_the_surveyor_sees_only_the_case_they_are_calling(sworld):
    from minqing.cases.models import Case
    from minqing.people.scoping import Actor, visible_cases

    s = plan(sworld, per=1)
    case = s.items.first().case_id
    surv = Actor.for_user(sworld.users["surv_lk"])
    assert not visible_cases(surv, Case.objects.all()).exists()
    actions.do_claim(surv, s, case)
    assert list(visible_cases(surv, Case.objects.all()).values_list("pk", flat=True)) == [case]
    assert not surv.can_see_contact(Case.objects.get(pk=case))  # masked unless revealed (and logged)
    do_record_response(surv, s, case, score=5, satisfied=True)
    assert not visible_cases(surv, Case.objects.all()).exists()


ANSWER = st.one_of(
    st.none(),  # not called yet
    st.just("unreachable"),
    st.tuples(st.integers(1, 10), st.booleans(),
              st.fixed_dictionaries({}, optional={q: st.integers(1, 10) for q in actions.QUESTIONS})),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(ANSWER, min_size=9, max_size=9))
def test_results_add_up(sworld, answers):
    w = sworld
    s = getattr(w, "_survey", None) or plan(w, region="430200")
    w._survey = s
    SurveyResponse.objects.filter(survey=s).delete()
    items = list(s.items.select_related("department", "case").order_by("position"))
    assert len(items) == 9
    who = {"lk": w.actor("surv_lk"), "yx": w.actor("surv_yx")}
    for item, a in zip(items, answers):
        surveyor = who[item.department.code[:2]]
        if a == "unreachable":
            do_record_response(surveyor, s, item.case_id, unreachable=True)
        elif a is not None:
            do_record_response(surveyor, s, item.case_id, score=a[0], satisfied=a[1], answers=a[2])
    res = results(s)
    depts, overall = res["departments"], res["overall"]
    for key in ("sampled", "reached", "unreached", "pending", "satisfied"):
        assert sum(d[key] for d in depts) == overall[key], key
    for key in ("rated", "satisfied"):
        assert sum(d["return_visit"][key] for d in depts) == overall["return_visit"][key]
    for block in [*depts, overall]:
        assert block["reached"] + block["unreached"] + block["pending"] == block["sampled"]
        assert block["satisfaction_rate"] == (round(block["satisfied"] / block["reached"], 4)
                                              if block["reached"] else None)
    # the whole, from the answers themselves
    reached = [a for a in answers if isinstance(a, tuple)]
    assert overall["sampled"] == 9 and overall["reached"] == len(reached)
    assert overall["unreached"] == answers.count("unreachable") and overall["pending"] == answers.count(None)
    assert overall["satisfied"] == sum(1 for a in reached if a[1])
    assert overall["mean_score"] == (round(sum(a[0] for a in reached) / len(reached), 2) if reached else None)
    for q in actions.QUESTIONS:
        vals = [a[2][q] for a in reached if q in a[2]]
        assert overall["questions"][q] == (round(sum(vals) / len(vals), 2) if vals else None)
    # one department by hand
    water = [a for item, a in zip(items, answers) if item.department.code == "lk-water"]
    wd = next(d for d in depts if d["department"] == "lk-water")
    wr = [a for a in water if isinstance(a, tuple)]
    assert wd["reached"] == len(wr) and wd["satisfied"] == sum(1 for a in wr if a[1])
