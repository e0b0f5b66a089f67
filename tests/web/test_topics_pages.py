"""The 一类问题 and 工作专班 pages' forms without a browser: who may post, what a bad form answers."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from minqing.insights import figures, topics
from minqing.insights.models import TaskForce, TaskForceNote

from .helpers import new_case


def _client(world, name):
    c = Client()
    assert c.login(username=name, password=f"pw-{name}-123")
    return c


def _water_topic(world):
    for i in range(3):
        new_case(world, text=f"朱亭村三组停水两天了{i}")
    found = topics.find_topics(figures.make_scope(region="430212"))
    return next(t for t in found if t["title"] == "朱亭村停水")


def _form(**over):
    data = {"lead": "lk-water", "members": ["zt-office"], "goal": "更换主供水管",
            "due": (timezone.localdate() + dt.timedelta(days=30)).isoformat()}
    data.update(over)
    return data


def test_adopt_form_refusals_and_success(world):
    t = _water_topic(world)
    url = f"/insights/topics/{t['id']}/taskforce/"
    assert _client(world, "water").post(url, _form()).status_code == 403
    assert _client(world, "disp_yx").post(url, _form()).status_code == 404
    lk = _client(world, "disp_lk")
    for bad in ({"goal": ""}, {"due": ""}, {"due": "2001-01-01"}, {"lead": "nope"}, {"goal": "x" * 2001}):
        r = lk.post(url, _form(**bad))
        assert r.status_code == 422, bad
    assert TaskForce.objects.count() == 0
    r = lk.post(url, _form())
    tf = TaskForce.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/insights/taskforces/{tf.pk}/"
    assert lk.post(url, _form()).status_code == 409
    page = lk.get(f"/insights/taskforces/{tf.pk}/")
    assert page.status_code == 200 and "更换主供水管" in page.content.decode()
    assert _client(world, "disp_yx").get(f"/insights/taskforces/{tf.pk}/").status_code == 404
    assert _client(world, "ztoffice").get(f"/insights/taskforces/{tf.pk}/").status_code == 200  # a member department


def test_note_form(world):
    t = _water_topic(world)
    lk = _client(world, "disp_lk")
    lk.post(f"/insights/topics/{t['id']}/taskforce/", _form())
    tf = TaskForce.objects.get()
    url = f"/insights/taskforces/{tf.pk}/notes/"
    r = lk.post(url, {"text": "  "})
    assert r.status_code == 422 and "请填写进展" in r.content.decode()
    assert _client(world, "water").post(url, {"text": "已摸排"}).status_code == 302  # the lead department's handler
    assert _client(world, "housing").post(url, {"text": "x"}).status_code == 404
    assert list(TaskForceNote.objects.values_list("text", flat=True)) == ["已摸排"]


def test_topics_page_masks_case_texts_for_a_leader(world):
    for i in range(3):
        new_case(world, text=f"朱亭村停水，联系我13812345678第{i}次")
    html = _client(world, "leader_city").get("/insights/topics/").content.decode()
    assert "朱亭村停水" in html and "13812345678" not in html
    html = _client(world, "disp_lk").get("/insights/topics/").content.decode()
    assert "13812345678" in html  # a dispatcher sees the texts as written, as on the case page


def test_admin_lists_task_forces_read_only(world):
    t = _water_topic(world)
    _client(world, "disp_lk").post(f"/insights/topics/{t['id']}/taskforce/", _form())
    tf = TaskForce.objects.get()
    world.users["admin"].is_staff = True
    world.users["admin"].save()
    admin = _client(world, "admin")
    assert admin.get("/admin/insights/taskforce/").status_code == 200
    r = admin.get(f"/admin/insights/taskforce/{tf.pk}/change/")
    assert r.status_code == 200 and "更换主供水管" in r.content.decode()
    assert admin.get("/admin/insights/taskforce/add/").status_code == 403
