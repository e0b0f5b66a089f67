"""记录进展 on the pages: the department workbench links to the form, the case page
takes the note (errors keep what was typed), its timeline shows every note with
公开/内部, and the reporter's tracking page shows only the public ones, masked."""

from django.test import Client

from minqing.cases import actions
from minqing.cases.models import Case, Event

from .helpers import new_case, through


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


def test_department_records_progress_and_only_public_notes_reach_the_reporter(world):
    case = new_case(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water", co_departments=["lk-housing"])
    actions.accept(world.actor("water"), case)
    water = login(world, "water")

    # the workbench links each case in hand to the form, which the link opens
    doing = water.get("/work/dept/", {"tab": "doing"}).content.decode()
    link = f"/case/{case.pk}/?do=progress#action-progress"
    assert link.replace("&", "&amp;") in doing or link in doing
    page = water.get(f"/case/{case.pk}/", {"do": "progress"}).content.decode()
    assert 'id="action-progress" open' in page and "记录进展" in page
    assert 'id="action-progress" open' not in water.get(f"/case/{case.pk}/").content.decode()

    # bad input: 422, the form open again with what was typed (the tick too), nothing recorded
    too_long = "管" * 2001
    resp = water.post(f"/case/{case.pk}/do/progress/", {"progress-note": too_long, "progress-public": "on"})
    html = resp.content.decode()
    assert resp.status_code == 422 and 'id="action-progress" open' in html and "errorlist" in html
    assert too_long in html and 'name="progress-public" id="id_progress-public" checked' in html
    resp = water.post(f"/case/{case.pk}/do/progress/", {"progress-note": "   "})
    assert resp.status_code == 422
    assert not Event.objects.filter(case=case, action="progress").exists()

    # an internal note and a public one (with a phone number in it)
    assert water.post(f"/case/{case.pk}/do/progress/", {"progress-note": "内部：等待管材到货"}).status_code == 302
    housing = login(world, "housing")  # the co-department
    assert 'id="action-progress"' in housing.get(f"/case/{case.pk}/").content.decode()
    resp = housing.post(f"/case/{case.pk}/do/progress/",
                        {"progress-note": "已联系13812345678张师傅，周五上门更换水管", "progress-public": "on"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.state == "in_progress"
    assert [(e.note, e.public) for e in Event.objects.filter(case=case, action="progress").order_by("id")] == [
        ("内部：等待管材到货", False), ("已联系13812345678张师傅，周五上门更换水管", True)]

    # the case page's timeline shows both, marked
    timeline = water.get(f"/case/{case.pk}/").content.decode().split('id="timeline"')[1]
    assert "办理进展" in timeline and "内部：等待管材到货" in timeline and "周五上门更换水管" in timeline
    assert '<span class="badge">内部</span>' in timeline and '<span class="badge green">公开</span>' in timeline

    # the tracking page: only the public note, phone masked
    track = Client().get(f"/t/{case.tracking_code}/").content.decode()
    assert "周五上门更换水管" in track and "138****5678" in track and "13812345678" not in track
    assert "等待管材到货" not in track

    # not theirs: the dispatcher is refused (the form is not offered), nothing recorded
    disp = login(world, "disp_zt")
    assert 'id="action-progress"' not in disp.get(f"/case/{case.pk}/").content.decode()
    resp = disp.post(f"/case/{case.pk}/do/progress/", {"progress-note": "调度员写的"})
    assert resp.status_code == 403
    assert Event.objects.filter(case=case, action="progress").count() == 2


def test_progress_form_in_english(world):
    case = through(world, new_case(world), "accept")
    water = login(world, "water")
    water.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = water.get(f"/case/{case.pk}/").content.decode()
    assert "Record progress" in html and "Public (the reporter sees it on the tracking page)" in html
    actions.progress(world.actor("water"), Case.objects.get(pk=case.pk), note="on site", public=True)
    html = water.get(f"/case/{case.pk}/").content.decode()
    assert "<strong>Progress</strong>" in html


def test_a_redo_shows_the_previous_answer_as_not_accepted(world):
    """After an unsatisfied return visit the case page must not show the old answer as 已解决."""
    from django.test import Client

    from minqing.cases import actions

    from .helpers import new_case, through

    case = through(world, new_case(world), "handle")
    actions.visit_back(world.actor("rv_lk"), case, rating="unsatisfied", score=3, note="还是没水")
    case.refresh_from_db()
    assert case.state == "reopened"
    c = Client()
    c.force_login(world.users["water"])
    html = c.get(f"/case/{case.pk}/").content.decode()
    assert "上次答复" in html and 'id="redo-badge"' in html and "已抢修管道" in html
    assert case.get_disposition_display() not in html.split('id="redo-badge"')[0].rsplit("上次答复", 1)[1]
    # once answered again, the answer and its disposition are shown as such
    actions.accept(world.actor("water"), case)
    actions.handle(world.actor("water"), case, result="更换了水表，恢复供水", disposition="solved")
    html = c.get(f"/case/{case.pk}/").content.decode()
    assert "上次答复" not in html and 'id="redo-badge"' not in html and "更换了水表" in html
