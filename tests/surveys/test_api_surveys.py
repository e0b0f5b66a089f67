"""/api/v1/surveys over HTTP: who may plan, scope, limits, the sample's reproducibility,
one response per case (a retry is idempotent, a different answer a 409), the claim that
shows the phone to the calling surveyor alone, and results beside the return visits."""

import datetime as dt

import pytest

from minqing.cases.models import Case, Event
from minqing.people.models import ContactAccess
from minqing.surveys.models import Survey, SurveyResponse

from .conftest import window

BIG = 2**63


def plan(api, who="leader_city", region="430212", per=2, **kw):
    return api(who).post("/surveys", json={"region": region, **window(), "per_department": per, **kw})


def test_a_leader_plans_a_stratified_sample(api, stworld):
    w = stworld
    r = plan(api, per=2)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] and body["seed"] is not None
    sample = body["sample"]
    lk_water = {c.pk for c in w.cases["lk-water"]}
    lk_roads = {c.pk for c in w.cases["lk-roads"]}
    # two of each department of 渌口区, none of 攸县
    assert len(sample) == 4 and len(set(sample)) == 4
    assert len(set(sample) & lk_water) == 2 and len(set(sample) & lk_roads) == 2
    # more than the department has: all of them
    r = plan(api, per=50)
    assert set(r.json()["sample"]) == lk_water | lk_roads
    # the city-wide plan reaches 攸县 too
    r = plan(api, region="430200", per=1)
    assert len(r.json()["sample"]) == 3


def test_the_same_seed_draws_the_same_sample(api, stworld):
    a = plan(api, per=2, seed=12345).json()
    b = plan(api, "sup_lk", per=2, seed=12345).json()
    assert a["sample"] == b["sample"] and a["seed"] == b["seed"] == 12345
    seeds = {plan(api, per=2).json()["seed"] for _ in range(3)}
    assert len(seeds) == 3  # recorded at random when not given
    samples = {tuple(plan(api, per=1, seed=s).json()["sample"]) for s in range(12)}
    assert len(samples) > 1  # a seed does choose


@pytest.mark.parametrize("who,status", [("leader_city", 201), ("sup_lk", 201), ("admin", 201),
                                        ("leader_yx", 403), ("disp_lk", 403), ("rv_lk", 403),
                                        ("surv_lk", 403), ("water", 403), ("cadre_zt", 403)])
def test_who_may_plan(api, stworld, who, status):
    r = plan(api, who)
    assert r.status_code == status, r.text
    if status == 403:
        assert r.json()["code"] == "forbidden"


def test_plan_limits(api, stworld):
    def bad(field, **kw):
        body = {"region": "430212", **window(), "per_department": 2, **kw}
        r = api("leader_city").post("/surveys", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "invalid" and r.json()["field"] == field, r.json()

    for per in (0, -1, 201, BIG, "x", None):
        bad("per_department", per_department=per)
    today = dt.date.today()
    bad("to", **{"from": (today - dt.timedelta(days=400)).isoformat(), "to": today.isoformat()})
    bad("from", **{"from": today.isoformat(), "to": (today - dt.timedelta(days=1)).isoformat()})
    bad("from", **{"from": "9999-01-01"})
    bad("from", **{"from": "2020-01-01", "to": "2020-02-01"})  # nothing closed then: no sample
    bad("region", region="nowhere")
    bad("region", region="4" * 65)
    bad("seed", seed=-1)
    bad("seed", seed=BIG)
    bad("title", title="x" * 101)
    assert api().post("/surveys", json={"region": "430212", **window(), "per_department": 2}).status_code == 401
    assert Survey.objects.count() == 0


def _claim(api, who, sid, case):
    return api(who).post(f"/surveys/{sid}/claim", json={"case": case})


def test_the_phone_goes_to_the_calling_surveyor_alone(api, stworld):
    s = plan(api, per=1).json()
    case = s["sample"][0]
    # before a claim the surveyor cannot read the case's contact data
    assert api("surv_lk").get(f"/cases/{case}/contact", params={"reason": "测评"}).status_code == 404
    r = _claim(api, "surv_lk", s["id"], case)
    assert r.status_code == 200, r.text
    assert r.json()["reporter_phone"] == Case.objects.get(pk=case).reporter_phone
    log = ContactAccess.objects.get()
    assert log.user == stworld.users["surv_lk"] and log.case_id == case and log.via == "survey"
    # another surveyor of the region: the case is being called
    r = _claim(api, "surv_lk2", s["id"], case)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert api("surv_lk2").get(f"/cases/{case}/contact", params={"reason": "测评"}).status_code == 404
    # a surveyor elsewhere, a return visitor: not theirs to call
    assert _claim(api, "surv_yx", s["id"], case).status_code == 403
    assert _claim(api, "rv_lk", s["id"], case).status_code == 403
    assert ContactAccess.objects.count() == 1
    # claiming again is fine (the same caller), and after the answer the case is no longer theirs
    assert _claim(api, "surv_lk", s["id"], case).status_code == 200
    r = api("surv_lk").post(f"/surveys/{s['id']}/responses", json={"case": case, "score": 9, "satisfied": True})
    assert r.status_code == 201
    assert api("surv_lk").get(f"/cases/{case}/contact", params={"reason": "测评"}).status_code == 404
    assert _claim(api, "surv_lk", s["id"], case).status_code == 409


def test_one_response_per_case(api, stworld):
    s = plan(api, per=2).json()
    sid, case = s["id"], s["sample"][0]
    body = {"case": case, "score": 8, "satisfied": True,
            "answers": {"solved": 9, "attitude": 8, "timeliness": 6, "note": "修得及时"}}
    first = api("surv_lk").post(f"/surveys/{sid}/responses", json=body)
    assert first.status_code == 201, first.text
    assert first.json()["answers"] == {"solved": 9, "attitude": 8, "timeliness": 6, "note": "修得及时"}
    again = api("surv_lk").post(f"/surveys/{sid}/responses", json=body)  # a double click, a retry
    assert again.status_code == 200 and again.json() == first.json()
    other = api("surv_lk").post(f"/surveys/{sid}/responses", json={**body, "score": 2, "satisfied": False})
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    by_another = api("surv_lk2").post(f"/surveys/{sid}/responses", json=body)
    assert by_another.status_code == 409
    assert SurveyResponse.objects.count() == 1
    # unreachable: no scores
    r = api("surv_lk").post(f"/surveys/{sid}/responses", json={"case": s["sample"][1], "unreachable": True})
    assert r.status_code == 201 and r.json()["reached"] is False
    assert api("surv_lk").post(f"/surveys/{sid}/responses",
                               json={"case": s["sample"][1], "unreachable": True}).status_code == 200


def test_response_limits_and_roles(api, stworld):
    w = stworld
    s = plan(api, per=2).json()
    sid, case = s["id"], s["sample"][0]

    def bad(field, who="surv_lk", **body):
        r = api(who).post(f"/surveys/{sid}/responses", json={"case": case, **body})
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field, r.json()

    for score in (0, 11, -1, BIG, "x", 7.5):
        bad("score", score=score, satisfied=True)
    bad("score", satisfied=True)  # reached needs a score
    bad("satisfied", score=8)  # … and yes/no
    bad("answers.solved", score=8, satisfied=True, answers={"solved": 11})
    bad("answers.wrong", score=8, satisfied=True, answers={"wrong": 1})
    bad("answers.note", score=8, satisfied=True, answers={"note": "长" * 501})
    bad("unreachable", unreachable=True, score=5)
    for value in (0, -1, BIG, "abc"):
        r = api("surv_lk").post(f"/surveys/{sid}/responses", json={"case": value, "score": 8, "satisfied": True})
        assert r.status_code == 422 and r.json()["field"] == "case", r.text
    outside = w.cases["yx-water"][0].pk
    r = api("surv_lk").post(f"/surveys/{sid}/responses", json={"case": outside, "score": 8, "satisfied": True})
    assert r.status_code == 422 and r.json()["field"] == "case"
    for path in (f"/surveys/{BIG}/responses", "/surveys/0/responses", "/surveys/x/responses"):
        assert api("surv_lk").post(path, json={"case": case, "score": 8, "satisfied": True}).status_code == 422
    assert api("surv_lk").post(f"/surveys/{BIG - 1}/responses",
                               json={"case": case, "score": 8, "satisfied": True}).status_code == 404
    for who in ("rv_lk", "leader_city", "disp_zt", "surv_yx", "water"):
        r = api(who).post(f"/surveys/{sid}/responses", json={"case": case, "score": 8, "satisfied": True})
        assert r.status_code == 403, (who, r.text)
    assert api().post(f"/surveys/{sid}/responses", json={"case": case, "score": 8}).status_code == 401
    # a city surveyor covers 渌口区
    assert api("surv_city").post(f"/surveys/{sid}/responses",
                                 json={"case": case, "score": 8, "satisfied": True}).status_code == 201
    assert SurveyResponse.objects.count() == 1


def test_results_beside_the_return_visits(api, stworld):
    w = stworld
    s = plan(api, per=50).json()
    sid = s["id"]
    water = [c.pk for c in w.cases["lk-water"]]
    roads = [c.pk for c in w.cases["lk-roads"]]
    post = api("surv_lk").post
    post(f"/surveys/{sid}/responses", json={"case": water[0], "score": 6, "satisfied": False})
    post(f"/surveys/{sid}/responses", json={"case": water[1], "score": 8, "satisfied": True})
    post(f"/surveys/{sid}/responses", json={"case": water[2], "unreachable": True})
    post(f"/surveys/{sid}/responses", json={"case": roads[0], "score": 10, "satisfied": True,
                                            "answers": {"solved": 10, "attitude": 9, "timeliness": 8}})
    r = api("leader_city").get(f"/surveys/{sid}/results")
    assert r.status_code == 200, r.text
    res = r.json()
    by = {d["department"]: d for d in res["departments"]}
    assert set(by) == {"lk-water", "lk-roads"}
    wd = by["lk-water"]
    assert (wd["sampled"], wd["reached"], wd["unreached"], wd["pending"]) == (4, 2, 1, 1)
    assert wd["satisfaction_rate"] == 0.5 and wd["mean_score"] == 7.0
    # the water cases' return visits: 4 cases, two of them once unsatisfied then satisfied: 4/6
    assert wd["return_visit"]["rated"] == 6 and wd["return_visit"]["satisfied"] == 4
    assert wd["return_visit"]["satisfaction_rate"] == round(4 / 6, 4)
    assert wd["gap"]["satisfaction_rate"] == round(0.5 - round(4 / 6, 4), 4)
    rd = by["lk-roads"]
    assert (rd["sampled"], rd["reached"], rd["pending"]) == (3, 1, 2)
    assert rd["satisfaction_rate"] == 1.0 and rd["questions"] == {"solved": 10.0, "attitude": 9.0, "timeliness": 8.0}
    assert rd["return_visit"]["satisfaction_rate"] == 1.0 and rd["return_visit"]["mean_score"] == 9.0
    o = res["overall"]
    assert (o["sampled"], o["reached"], o["unreached"], o["pending"]) == (7, 3, 1, 3)
    assert o["satisfaction_rate"] == round(2 / 3, 4) and o["mean_score"] == 8.0
    # who may read them
    for who, status in [("sup_lk", 200), ("admin", 200), ("leader_yx", 404), ("surv_lk", 403), ("rv_lk", 404),
                        ("water", 404)]:
        assert api(who).get(f"/surveys/{sid}/results").status_code == status, who


def test_list_and_detail_by_scope(api, stworld):
    lk = plan(api, per=1).json()
    yx = plan(api, "leader_yx", region="430223", per=1).json()
    def ids(who):
        return {s["id"] for s in api(who).get("/surveys").json()["results"]}
    assert ids("leader_city") == {lk["id"], yx["id"]}
    assert ids("leader_yx") == {yx["id"]} and ids("surv_yx") == {yx["id"]}
    assert ids("surv_lk") == {lk["id"]} and ids("rv_lk") == set()
    city = plan(api, region="430200", per=1).json()
    assert city["id"] in ids("surv_lk")  # a city-wide survey holds 渌口区's cases
    d = api("surv_lk").get(f"/surveys/{lk['id']}").json()
    assert [i["case"] for i in d["items"]] == lk["sample"] and d["items"][0]["status"] == "pending"
    assert api("surv_yx").get(f"/surveys/{lk['id']}").status_code == 404
    for page in (0, -1, BIG, "x"):
        assert api("admin").get("/surveys", params={"page": page}).status_code == 422


def test_responses_never_change_a_case(api, stworld):
    s = plan(api, per=50).json()
    before = {c["id"]: c for c in Case.objects.filter(pk__in=s["sample"]).values()}
    events = Event.objects.count()
    for i, case in enumerate(s["sample"]):
        _claim(api, "surv_lk", s["id"], case)
        body = {"case": case, "unreachable": True} if i % 3 == 0 else \
            {"case": case, "score": 1 + i % 10, "satisfied": i % 2 == 0}
        assert api("surv_lk").post(f"/surveys/{s['id']}/responses", json=body).status_code == 201
    after = {c["id"]: c for c in Case.objects.filter(pk__in=s["sample"]).values()}
    assert after == before and Event.objects.count() == events


def test_stats_carry_the_survey_figure(api, stworld):
    s = plan(api, per=50).json()
    for case in s["sample"][:3]:
        api("surv_lk").post(f"/surveys/{s['id']}/responses", json={"case": case, "score": 9, "satisfied": True})
    st = api("leader_city").get("/stats", params={"region": "430212"}).json()
    assert st["survey"]["responses"] == 3 and st["survey"]["satisfaction_rate"] == 1.0
    assert st["survey"]["mean_score"] == 9.0 and st["survey"]["surveys"] == 1
    assert api("leader_yx").get("/stats").json()["survey"]["responses"] == 0
    assert api("water").get("/stats").json()["survey"] is None  # a department's scope: not by department
