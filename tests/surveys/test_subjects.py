"""A survey samples registered subjects (households, enterprises) too: drawn with the survey's
seed among the region's subjects with a phone, those visited in the window first; a subject item
is claimed (its phone shown to the calling surveyor alone, logged) and answered like a case's;
its figures are a block of their own; nothing of the subject or the cases changes."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from minqing.people.models import ContactAccess
from minqing.people.scoping import Actor
from minqing.surveys import actions
from minqing.surveys.actions import do_create_survey, do_record_response, draw_subjects
from minqing.surveys.figures import results, survey_figures
from minqing.surveys.models import SurveyItem, SurveyResponse
from minqing.visits import actions as vactions
from minqing.visits.models import Subject

from .conftest import today, window

VILLAGE = "430212101201"
YX = "430223100001"


def add_subjects(w):
    """渌口区: H1–H6 with a phone (H1, H2 visited in the window, H3 visited long before), H7 without
    a phone; 攸县: Y1 with a phone."""
    system = Actor.system()
    subs = {}
    for i in range(1, 8):
        subs[f"H{i}"] = vactions.save_subject(system, external_id=f"H{i}", kind="household", name=f"李{i}",
                                              region=VILLAGE, phone="" if i == 7 else f"1355555{i:04d}",
                                              contact_name=f"李联系{i}")
    subs["Y1"] = vactions.save_subject(system, external_id="Y1", kind="household", name="赵一", region=YX,
                                       phone="13566660001")
    admin = w.actor("admin")
    for ext in ("H1", "H2"):
        vactions.record_visit(admin, cadre="cadre_zt", subjects=[ext], date=today() - dt.timedelta(days=3),
                              method="door")
    vactions.record_visit(admin, cadre="cadre_zt", subjects=["H3"], date=today() - dt.timedelta(days=200),
                          method="door")
    w.subjects = {k: Subject.objects.get(pk=v.pk) for k, v in subs.items()}
    return w


@pytest.fixture
def subjworld(stworld):
    return add_subjects(stworld)


@pytest.fixture
def sworld_subj(sworld):
    return add_subjects(sworld)


def plan(api, who="leader_city", region="430212", per=2, **kw):
    return api(who).post("/surveys", json={"region": region, **window(), "per_department": per, **kw})


def snapshot(subject):
    s = Subject.objects.get(pk=subject.pk)
    return {f.attname: getattr(s, f.attname) for f in Subject._meta.concrete_fields}


# ---- the draw ------------------------------------------------------------------------------------


def test_draw_subjects_prefers_the_visited_and_is_reproducible():
    visited, others = [3, 9, 12], list(range(20, 40))
    a = draw_subjects(visited, others, 5, seed=11)
    assert a == draw_subjects(visited, others, 5, seed=11) and a == sorted(a) and len(set(a)) == 5
    assert set(visited) <= set(a)  # all the visited first, then the others fill up
    assert set(draw_subjects(visited, others, 2, seed=11)) <= set(visited)
    assert {tuple(draw_subjects(visited, others, 5, seed=s)) for s in range(20)} != {tuple(a)}
    assert len(draw_subjects(visited, others, 500, seed=1)) == 23
    assert draw_subjects([], [], 4, seed=1) == []


def test_an_item_is_a_case_or_a_subject_never_both_nor_neither(sworld_subj):
    w = sworld_subj
    s = do_create_survey(w.actor("leader_city"), region="430212", date_from=today() - dt.timedelta(days=30),
                         date_to=today(), per_department=1, subjects=1, seed=5)
    item = s.items.filter(subject__isnull=False).get()
    case_item = s.items.filter(case__isnull=False).first()
    for bad in [dict(case_id=case_item.case_id, subject_id=w.subjects["H4"].pk), dict()]:
        with pytest.raises(IntegrityError), transaction.atomic():
            SurveyItem.objects.create(survey=s, position=99, **bad)
    with pytest.raises(IntegrityError), transaction.atomic():  # once per survey
        SurveyItem.objects.create(survey=s, position=98, subject_id=item.subject_id)


def test_plan_refuses_a_bad_subjects_count(sworld_subj):
    from minqing.cases.errors import InvalidInput

    for n in (-1, 501, "3", True, 2.5):
        with pytest.raises(InvalidInput) as e:
            do_create_survey(sworld_subj.actor("leader_city"), region="430212", date_from=today(), date_to=today(),
                             per_department=1, subjects=n)
        assert e.value.field == "subjects"


# ---- over HTTP ----------------------------------------------------------------------------------


def test_plan_with_subjects_over_http(api, subjworld):
    w = subjworld
    subs = w.subjects
    plain = plan(api, per=2, seed=4242).json()
    assert plain["subjects"] == [] and plain["subjects_requested"] == 0
    r = plan(api, per=2, seed=4242, subjects=3)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["sample"] == plain["sample"]  # the cases' sample is the same with subjects
    chosen = body["subjects"]
    assert len(chosen) == 3 and body["subjects_requested"] == 3
    assert {subs["H1"].pk, subs["H2"].pk} <= set(chosen)  # visited in the window: drawn first
    lk_with_phone = {subs[f"H{i}"].pk for i in range(1, 7)}
    assert set(chosen) <= lk_with_phone  # never one without a phone, never one of 攸县
    # reproducible: the same seed draws the same subjects; a seed does choose
    assert plan(api, "sup_lk", per=2, seed=4242, subjects=3).json()["subjects"] == chosen
    assert len({tuple(plan(api, per=1, seed=s, subjects=3).json()["subjects"]) for s in range(8)}) > 1
    # more than there are: all of them; the city reaches 攸县's
    assert set(plan(api, per=1, subjects=500).json()["subjects"]) == lk_with_phone
    city = plan(api, region="430200", per=1, subjects=500).json()
    assert set(city["subjects"]) == lk_with_phone | {subs["Y1"].pk}
    # the survey's items say which is which
    got = api("leader_city").get(f"/surveys/{body['id']}").json()
    assert [i["subject"] for i in got["items"] if i["subject"]] == chosen
    assert all((i["case"] is None) != (i["subject"] is None) for i in got["items"])
    for bad in (-1, 501, "x", 2**63, None):
        r = plan(api, subjects=bad)
        assert r.status_code == 422 and r.json()["field"] == "subjects", r.text


def test_respond_by_subject_over_http(api, subjworld):
    w = subjworld
    sid = w.subjects["H1"].pk
    before = snapshot(w.subjects["H1"])
    body = plan(api, per=1, seed=1, subjects=2).json()
    assert sid in body["subjects"]
    url = f"/surveys/{body['id']}"
    # the claim shows the subject's phone to the calling surveyor, logged with the subject
    r = api("surv_lk").post(f"{url}/claim", json={"subject": sid})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "13555550001" and r.json()["contact_name"] == "李联系1"
    log = ContactAccess.objects.get(subject_id=sid)
    assert log.case_id is None and log.via == "survey" and log.username == "surv_lk"
    assert api("surv_lk2").post(f"{url}/claim", json={"subject": sid}).status_code == 409
    assert api("surv_yx").post(f"{url}/claim", json={"subject": sid}).status_code == 403
    assert ContactAccess.objects.filter(subject_id=sid).count() == 1
    entries = api("admin").get("/contact-access").json()["results"]
    assert any(e["subject"] == sid and e["case"] is None and e["tracking_code"] is None for e in entries)
    answer = {"subject": sid, "score": 8, "satisfied": True, "answers": {"attitude": 9, "note": "挺好"}}
    r = api("surv_lk").post(f"{url}/responses", json=answer)
    assert r.status_code == 201, r.text
    assert r.json()["subject"] == sid and "case" not in r.json() and r.json()["score"] == 8
    again = api("surv_lk").post(f"{url}/responses", json=answer)  # a retry: the stored one
    assert again.status_code == 200 and again.json() == r.json()
    other = api("surv_lk").post(f"{url}/responses", json={**answer, "score": 3})
    assert other.status_code == 409
    assert SurveyResponse.objects.filter(item__subject_id=sid).count() == 1
    # an unreachable subject, by another surveyor
    sid2 = next(s for s in body["subjects"] if s != sid)
    r = api("surv_lk2").post(f"{url}/responses", json={"subject": sid2, "unreachable": True})
    assert r.status_code == 201 and r.json()["unreachable"] is True
    # 422s: both, neither, not in the sample, out of range, scores on an unreachable one
    case = body["sample"][0]

    def bad(payload, field, path="responses"):
        r = api("surv_lk").post(f"{url}/{path}", json=payload)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field, r.json()

    bad({"subject": sid, "case": case, "score": 5, "satisfied": True}, "subject")
    bad({"score": 5, "satisfied": True}, "case")
    bad({"subject": w.subjects["H7"].pk, "score": 5, "satisfied": True}, "subject")
    bad({"subject": 0, "score": 5, "satisfied": True}, "subject")
    bad({"subject": 2**63, "score": 5, "satisfied": True}, "subject")
    bad({"subject": "x"}, "subject")
    bad({"subject": w.subjects["H7"].pk}, "subject", "claim")
    bad({}, "case", "claim")
    bad({"subject": sid, "case": case}, "subject", "claim")
    assert snapshot(w.subjects["H1"]) == before  # the survey never changes a subject
    # the results: the subjects' block beside the cases' (untouched by the subjects' answers)
    res = api("leader_city").get(f"{url}/results").json()
    sub = res["subjects"]
    assert (sub["sampled"], sub["reached"], sub["unreached"], sub["pending"], sub["satisfied"]) == (2, 1, 1, 0, 1)
    assert sub["satisfaction_rate"] == 1.0 and sub["mean_score"] == 8.0
    assert res["overall"]["sampled"] == len(body["sample"]) and res["overall"]["reached"] == 0
    assert sum(d["sampled"] for d in res["departments"]) == len(body["sample"])


# ---- the figures ----------------------------------------------------------------------------------


def test_figures_add_up_and_keep_cases_and_subjects_apart(sworld_subj):
    w = sworld_subj
    s = do_create_survey(w.actor("leader_city"), region="430200", date_from=today() - dt.timedelta(days=30),
                         date_to=today(), per_department=1, subjects=500, seed=3)
    subject_items = list(s.items.filter(subject__isnull=False).select_related("subject"))
    assert len(subject_items) == 7  # H1–H6 and Y1
    cases_before = results(s)
    lk, yx = w.actor("surv_lk"), w.actor("surv_yx")
    scores = {}
    for n, item in enumerate(subject_items):
        who = yx if item.subject.region_path.startswith(w.regions["430223"].path) else lk
        if n == 0:
            do_record_response(who, s, subject_id=item.subject_id, unreachable=True)
        elif n < 6:
            scores[item.subject_id] = (n + 3, n % 2 == 0)
            do_record_response(who, s, subject_id=item.subject_id, score=n + 3, satisfied=n % 2 == 0)
    res = results(s)
    assert res["overall"] == cases_before["overall"] and res["departments"] == cases_before["departments"]
    sub = res["subjects"]
    reached = len(scores)
    sat = sum(1 for _, ok in scores.values() if ok)
    assert sub["sampled"] == 7 and sub["reached"] == reached and sub["unreached"] == 1 and sub["pending"] == 1
    assert sub["sampled"] == sub["reached"] + sub["unreached"] + sub["pending"]
    assert sub["satisfied"] == sat and sub["satisfaction_rate"] == round(sat / reached, 4)
    assert sub["mean_score"] == round(sum(v for v, _ in scores.values()) / reached, 2)
    # the dashboard's figure: the subjects' sub-block, by the subject's region; the cases' part untouched
    f = survey_figures(None, today(), today())
    assert f["responses"] == 0 and f["subjects"]["responses"] == 6
    assert f["subjects"]["reached"] == reached and f["subjects"]["satisfied"] == sat
    yx_f = survey_figures(w.regions["430223"], None, None)["subjects"]
    lk_f = survey_figures(w.regions["430212"], None, None)["subjects"]
    assert yx_f["responses"] + lk_f["responses"] == 6
    y1 = w.subjects["Y1"].pk
    assert yx_f["responses"] == (1 if y1 in scores or subject_items[0].subject_id == y1 else 0)
    assert survey_figures(None, today() - dt.timedelta(days=9), today() - dt.timedelta(days=1))["subjects"][
        "responses"] == 0


# ---- the desk page --------------------------------------------------------------------------------


def test_the_desk_lists_a_subject_item_and_shows_its_phone_only_on_the_call(sworld_subj):
    w = sworld_subj
    s = do_create_survey(w.actor("leader_city"), region="430212", date_from=today() - dt.timedelta(days=30),
                         date_to=today(), per_department=1, subjects=1, seed=9)
    item = s.items.get(subject__isnull=False)
    subj = item.subject
    assert subj.pk in (w.subjects["H1"].pk, w.subjects["H2"].pk)
    c = Client()
    c.force_login(w.users["surv_lk"])
    html = c.get(f"/work/survey/?survey={s.pk}").content.decode()
    assert f'id="subject-{subj.pk}"' in html and subj.external_id in html
    assert subj.phone not in html and subj.phone[:3] + "****" + subj.phone[-4:] in html
    r = c.post(f"/work/survey/{s.pk}/call/subject/{subj.pk}/")
    assert r.status_code == 200 and subj.phone in r.content.decode() and r["Cache-Control"] == "no-store"
    assert ContactAccess.objects.filter(subject=subj, user=w.users["surv_lk"]).count() == 1
    other = Client()
    other.force_login(w.users["surv_lk2"])
    html = other.get(f"/work/survey/?survey={s.pk}").content.decode()
    assert subj.phone not in html and "他人拨打中" in html
    form = {"reached": "yes", "score": "7", "satisfied": "no", "note": "路还没修"}
    for _ in range(2):
        assert c.post(f"/work/survey/{s.pk}/answer/subject/{subj.pk}/", form).status_code == 302
    resp = SurveyResponse.objects.get(item=item)
    assert (resp.score, resp.satisfied, resp.note) == (7, False, "路还没修")
    html = c.get(f"/work/survey/?survey={s.pk}").content.decode()
    assert subj.phone not in html and "7 分" in html
    assert not actions.may_call_item(w.actor("surv_yx"), item)


def test_cli_plans_with_subjects(sworld_subj):
    from io import StringIO

    from django.core.management import call_command

    from minqing.surveys.models import Survey

    out = StringIO()
    call_command("survey", "plan", "--region", "430212", "--from", (today() - dt.timedelta(days=30)).isoformat(),
                 "--to", today().isoformat(), "--per-department", "1", "--subjects", "2", "--seed", "8", stdout=out)
    s = Survey.objects.get()
    assert "2 件" in out.getvalue() and "2 户/企业" in out.getvalue() and s.subjects == 2
    assert set(s.items.filter(subject__isnull=False).values_list("subject_id", flat=True)) == {
        sworld_subj.subjects["H1"].pk, sworld_subj.subjects["H2"].pk}
    do_record_response(sworld_subj.actor("surv_lk"), s, subject_id=sworld_subj.subjects["H1"].pk, score=6,
                       satisfied=True)
    out = StringIO()
    call_command("survey", "results", str(s.pk), stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("走访对象"))
    assert line.split()[2:7] == ["2", "1", "0", "1", "100.0%"]


def test_the_results_page_plans_with_subjects_and_shows_their_row(sworld_subj):
    from minqing.surveys.models import Survey

    w = sworld_subj
    c = Client()
    c.force_login(w.users["leader_city"])
    r = c.post("/work/survey/results/", {"region": "430212", "from": (today() - dt.timedelta(days=30)).isoformat(),
                                         "to": today().isoformat(), "per_department": "1", "subjects": "2"})
    assert r.status_code == 302, r.content.decode()[:500]
    s = Survey.objects.get()
    assert s.subjects == 2 and s.items.filter(subject__isnull=False).count() == 2
    html = c.get(r["Location"]).content.decode()
    assert 'id="survey-subjects"' in html
    r = c.post("/work/survey/results/", {"region": "430212", "from": today().isoformat(),
                                         "to": today().isoformat(), "per_department": "1", "subjects": "501"})
    assert r.status_code == 422 and Survey.objects.count() == 1
