"""The survey pages with Django's client: the desk for surveyors (phone only after the call,
logged; one response per case however often the form is sent), the results for leaders."""

import datetime as dt

from django.test import Client

from minqing.cases.models import Case
from minqing.people.models import ContactAccess
from minqing.surveys.actions import do_create_survey
from minqing.surveys.models import SurveyResponse

from .conftest import today


def login(w, name):
    c = Client()
    c.force_login(w.users[name])
    return c


def plan(w, per=1):
    return do_create_survey(w.actor("leader_city"), region="430212", date_from=today() - dt.timedelta(days=30),
                            date_to=today(), per_department=per)


def test_desk_masks_until_the_call_and_records_once(sworld):
    w = sworld
    s = plan(w)
    item = s.items.order_by("position").first()
    case = Case.objects.get(pk=item.case_id)
    c = login(w, "surv_lk")
    r = c.get("/work/survey/")
    html = r.content.decode()
    assert r.status_code == 200 and case.tracking_code in html
    assert case.reporter_phone not in html and case.reporter_phone[:3] + "****" + case.reporter_phone[-4:] in html
    r = c.post(f"/work/survey/{s.pk}/call/{case.pk}/")
    assert r.status_code == 200 and case.reporter_phone in r.content.decode()
    assert r["Cache-Control"] == "no-store"
    assert ContactAccess.objects.filter(user=w.users["surv_lk"], case=case, via="survey").count() == 1
    # the other surveyor sees it taken, without the phone, and cannot call it
    other = login(w, "surv_lk2")
    html = other.get("/work/survey/").content.decode()
    assert "他人拨打中" in html and case.reporter_phone not in html
    other.post(f"/work/survey/{s.pk}/call/{case.pk}/")
    assert ContactAccess.objects.count() == 1
    # the phone is not on the desk again without a new (logged) call
    assert case.reporter_phone not in c.get("/work/survey/").content.decode()
    form = {"reached": "yes", "score": "9", "satisfied": "yes", "solved": "9", "attitude": "10",
            "timeliness": "8", "note": "很及时"}
    for _ in range(2):  # a double click
        r = c.post(f"/work/survey/{s.pk}/answer/{case.pk}/", form)
        assert r.status_code == 302
    resp = SurveyResponse.objects.get()
    assert (resp.score, resp.satisfied, resp.solved, resp.attitude, resp.timeliness, resp.note) == \
        (9, True, 9, 10, 8, "很及时")
    r = c.get(r["Location"])
    assert "已记录测评结果" in r.content.decode() and "该案件的测评结果已记录过" in r.content.decode()
    # a missing answer is refused with a message, nothing stored
    second = s.items.order_by("position")[1]
    c.post(f"/work/survey/{s.pk}/call/{second.case_id}/")
    r = c.post(f"/work/survey/{s.pk}/answer/{second.case_id}/", {"reached": "yes", "score": "7"}, follow=True)
    assert "satisfied" in r.content.decode() or "是否满意" in r.content.decode()
    assert SurveyResponse.objects.count() == 1
    c.post(f"/work/survey/{s.pk}/answer/{second.case_id}/", {"reached": "no"})
    assert SurveyResponse.objects.get(item=second).reached is False


def test_who_opens_which_page(sworld):
    w = sworld
    s = plan(w)
    for name, status in [("surv_lk", 200), ("admin", 200), ("rv_lk", 403), ("leader_city", 403), ("water", 403)]:
        assert login(w, name).get("/work/survey/").status_code == status, name
    assert login(w, "surv_yx").get(f"/work/survey/?survey={s.pk}").status_code == 404
    assert Client().get("/work/survey/").status_code == 302
    for name, status in [("leader_city", 200), ("sup_lk", 200), ("surv_lk", 403), ("rv_lk", 403)]:
        assert login(w, name).get("/work/survey/results/").status_code == status, name
    assert login(w, "leader_yx").get(f"/work/survey/results/?survey={s.pk}").status_code == 404
    # the nav takes a surveyor to the desk
    assert login(w, "surv_lk").get("/home/")["Location"] == "/work/survey/"


def test_results_page_and_plan_form(sworld):
    w = sworld
    c = login(w, "sup_lk")
    r = c.post("/work/survey/results/", {"region": "430212", "from": (today() - dt.timedelta(days=30)).isoformat(),
                                         "to": today().isoformat(), "per_department": "2"})
    assert r.status_code == 302
    html = c.get(r["Location"]).content.decode()
    assert "渌口区水务局" in html and "渌口区交通运输局" in html and "已抽样 4 件" in html
    r = c.post("/work/survey/results/", {"region": "430212", "from": "2020-01-01", "to": "2020-01-02",
                                         "per_department": "2"})
    assert r.status_code == 422
    r = c.post("/work/survey/results/", {"region": "430223", "from": today().isoformat(), "to": today().isoformat(),
                                         "per_department": "2"})
    assert r.status_code == 422  # 攸县 is not the supervisor's


def test_the_dashboard_shows_the_survey_beside_the_return_visits(sworld):
    from minqing.surveys.actions import do_record_response

    w = sworld
    c = login(w, "leader_city")
    assert 'id="survey-figure"' not in c.get("/dashboard/").content.decode()
    s = plan(w, per=5)
    items = list(s.items.select_related("case")[:3])
    for item in items:
        do_record_response(w.actor("surv_lk"), s, item.case_id, score=6, satisfied=False)
    html = c.get("/dashboard/").content.decode()
    assert 'id="survey-figure"' in html
    figure = html.split('id="survey-figure"')[1].split("</div>")[0]
    rv = sum(i.case.satisfied_visits for i in items) / sum(i.case.rated_visits for i in items)
    assert "<dd>0.0%</dd>" in figure and "<dd>6.0</dd>" in figure  # nobody satisfied in the survey …
    assert f"<dd>{rv * 100:.1f}% " in figure and rv > 0.5  # … most on the departments' own visits
    assert "<dd>3 · " in figure
