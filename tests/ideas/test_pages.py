"""The campaign pages without a browser: the public page masks personal data, the portal's
/report/?campaign=SLUG links a submission, the create form and the review desk go through the
actions, 金果子 on /board/typical/."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from minqing.ideas import actions
from minqing.ideas.models import Campaign, CampaignCase, Review, TypicalCase

from .helpers import campaign, submit, to_state

pytestmark = pytest.mark.django_db

SECRET = "建议在朱亭村建老年活动中心。联系人：王小明，电话13812345678，身份证430212199001011234，邮箱wxm@example.com"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "REPORT_RATE": (1000, 600)}


def login(client, world, who):
    client.force_login(world.users[who])
    return client


def test_public_page_masks_every_personal_datum(world, client):
    c = campaign(world)
    a = submit(world, c, text=SECRET, reporter_name="王小明", reporter_phone="13812345678")
    submit(world, c, text="建议多种树")
    actions.do_adopt(world.actor("admin"), a, note="联系人王小明（13812345678）负责落实", topic="养老服务")
    html = client.get(f"/ideas/{c.slug}/").content.decode()
    assert "养老服务" in html and "建议多种树" in html and "已采纳" in html
    for secret in ("13812345678", "王小明", "430212199001011234", "wxm@example.com"):
        assert secret not in html, secret
    assert "138****5678" in html and "王**" in html
    assert client.get("/ideas/no-such-campaign/").status_code == 404


def test_portal_submission_links_to_an_open_campaign_only(world, client):
    from tests.web.helpers import report_data, token_of

    c = campaign(world)
    form = client.get("/report/", {"campaign": c.slug}).content.decode()
    client.post("/report/", report_data(token_of(form), kind="suggestion", campaign=c.slug, region="430212"))
    link = CampaignCase.objects.get()
    assert link.campaign == c and link.status == Review.PENDING and link.events.get().action == "submit"
    c.ends = timezone.localdate() - dt.timedelta(days=1)
    c.starts = c.ends - dt.timedelta(days=5)
    c.save()
    form = client.get("/report/", {"campaign": c.slug}).content.decode()
    client.post("/report/", report_data(token_of(form), kind="suggestion", campaign=c.slug, region="430212"))
    assert CampaignCase.objects.count() == 1  # the case is registered, but not a submission of an ended campaign


def test_leader_creates_on_the_page_others_may_not(world, client):
    login(client, world, "leader_city")
    assert client.get("/ideas/new/").status_code == 200
    today = timezone.localdate()
    data = {"slug": "page-made", "title": "页面发起的征集", "region": "430200", "kind": "suggestion",
            "starts": today.isoformat(), "ends": (today + dt.timedelta(days=9)).isoformat(),
            "categories": ["water_supply", "other"], "target_groups": "全体市民", "description": "说明"}
    r = client.post("/ideas/new/", {**data, "ends": "2000-01-01"})
    assert r.status_code == 422 and "field-error" in r.content.decode()
    r = client.post("/ideas/new/", data)
    assert r.status_code == 302 and r["Location"] == "/ideas/page-made/review/"
    c = Campaign.objects.get(slug="page-made")
    assert c.target_groups == "全体市民" and c.categories.count() == 2
    assert client.post("/ideas/new/", data).status_code == 422  # the slug is taken: shown on the form
    r = client.post("/ideas/page-made/edit/", {**data, "title": "改过的标题", "active": "on"})
    assert r.status_code == 302 and Campaign.objects.get(slug="page-made").title == "改过的标题"
    login(client, world, "disp_zt")
    assert client.get("/ideas/new/").status_code == 403
    assert client.get("/ideas/").status_code == 200
    login(client, world, "water")
    assert client.get("/ideas/").status_code == 403


def test_review_desk_adopts_merges_and_answers(world, client):
    c = campaign(world)
    a, b, d = submit(world, c, text=SECRET), submit(world, c, text="同样想要活动中心"), submit(world, c, text="建议修路")
    login(client, world, "leader_city")
    page = client.get(f"/ideas/{c.slug}/review/").content.decode()
    assert f'id="link-{a.pk}"' in page and "13812345678" not in page  # a leader sees masked text
    r = client.post(f"/ideas/{c.slug}/review/", {"action": "adopt", "link": a.pk, "topic": "养老", "note": "采纳"})
    assert r.status_code == 302
    client.post(f"/ideas/{c.slug}/review/", {"action": "merge", "link": b.pk, "into": a.pk})
    r = client.post(f"/ideas/{c.slug}/review/", {"action": "answer", "link": d.pk, "text": ""})
    assert r.status_code == 422
    client.post(f"/ideas/{c.slug}/review/", {"action": "answer", "link": d.pk, "text": "谢谢，已转交"})
    r = client.post(f"/ideas/{c.slug}/review/", {"action": "adopt", "link": d.pk})
    assert r.status_code == 409
    for bad in ("9" * 400, "-1", "x", ""):  # a forged link id is a 404 on the page, never a 500
        assert client.post(f"/ideas/{c.slug}/review/", {"action": "adopt", "link": bad}).status_code == 404
    r = client.post(f"/ideas/{c.slug}/review/", {"action": "merge", "link": d.pk, "into": "9" * 400})
    assert r.status_code == 422
    statuses = dict(CampaignCase.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "adopted", b.pk: "merged", d.pk: "answered"}
    login(client, world, "disp_zt")  # a township dispatcher: not in the city campaign's scope
    assert client.get(f"/ideas/{c.slug}/review/").status_code == 404


def test_typical_board_and_marking_page(world, client):
    closed = to_state(world, "closed", text="朱亭村停水三天。联系人：王小明，电话13812345678")
    login(client, world, "disp_zt")
    case_page = client.get(f"/case/{closed.pk}/").content.decode()
    assert f"/ideas/typical/{closed.pk}/" in case_page  # the closed case's page offers it
    page = client.get(f"/ideas/typical/{closed.pk}/").content.decode()
    assert "13812345678" not in page
    r = client.post(f"/ideas/typical/{closed.pk}/", {"title": "连夜抢修恢复供水", "writeup": "水务局当晚到场抢修"})
    assert r.status_code == 302 and TypicalCase.objects.get().case == closed
    assert "连夜抢修恢复供水" in client.get(f"/case/{closed.pk}/").content.decode()
    c = campaign(world)
    a = submit(world, c, text="建议在村口装路灯")
    actions.do_adopt(world.actor("admin"), a, topic="路灯")
    board = client.get("/board/typical/").content.decode()
    assert "连夜抢修恢复供水" in board and "建议在村口装路灯" in board
    assert "13812345678" not in board and "王小明" not in board
    handled = to_state(world, "handled")
    r = client.post(f"/ideas/typical/{handled.pk}/", {"title": "x", "writeup": "y"})
    assert r.status_code == 422


def test_poster_and_qr_pages(world, client):
    c = campaign(world)
    r = client.get(f"/ideas/{c.slug}/poster.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    svg = client.get(f"/ideas/{c.slug}/qr.svg").content.decode()
    assert re.search(r"<svg[^>]*>", svg)
