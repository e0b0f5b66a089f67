"""/api/v1/cases/{id}/own|release|agreements, /api/v1/backlog, /api/v1/receptions over HTTP:
roles, scope, errors, masking."""

import datetime as dt

import pytest
from casebuild import register
from django.utils import timezone

from minqing.cases.models import Case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lk(tworld):
    from django.contrib.auth import get_user_model

    from minqing.people.models import ApiToken, Membership, Profile

    u = get_user_model().objects.create_user("leader_lk", password="pw-leader_lk-123")
    Membership.objects.create(user=u, role="leader", region=tworld.regions["430212"])
    Profile.objects.create(user=u, display_name="周区长", unit="渌口区人民政府")
    tworld.users["leader_lk"] = u
    tworld.tokens["leader_lk"] = ApiToken.issue(u, "test")[1]
    return tworld


def test_own_and_release_over_http(lk, api):
    case = register(lk)
    r = api("leader_lk").post(f"/cases/{case.pk}/own", json={"note": "区长包案"})
    assert r.status_code == 200, r.text
    assert r.json()["owner"] == "leader_lk"
    assert [e["action"] for e in r.json()["events"]][-1] == "own"
    assert api("leader_lk").post(f"/cases/{case.pk}/own").status_code == 200  # again: no change
    r = api("leader_city").post(f"/cases/{case.pk}/own")
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    for who, status in (("disp_zt", 403), ("water", 404), ("admin", 403)):  # the handler does not see it yet
        r = api(who).post(f"/cases/{case.pk}/own", json={})
        assert r.status_code == status, (who, r.text)
    r = api("leader_yx").post(f"/cases/{case.pk}/own")  # 攸县 does not see a 渌口区 case
    assert r.status_code == 404
    r = api("disp_zt").post(f"/cases/{case.pk}/release")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = api("leader_lk").post(f"/cases/{case.pk}/release", json={"note": "已化解"})
    assert r.status_code == 200 and r.json()["owner"] is None
    assert api("leader_lk").post(f"/cases/{case.pk}/release").status_code == 409
    assert api("leader_lk").post(f"/cases/{case.pk}/own", json={"note": "x" * 2001}).status_code == 422
    assert api().post(f"/cases/{case.pk}/own").status_code == 401


def test_a_fresh_case_is_403_for_a_dispatcher(lk, api):
    case = register(lk)
    r = api("disp_zt").post(f"/cases/{case.pk}/own")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_agreements_over_http(lk, api):
    case = register(lk, channel="petition")
    files = {"document": ("协议.pdf", PDF, "application/pdf")}
    data = {"signed_on": dt.date.today().isoformat(), "parties": "渌口区人民政府；张三（13812340000）",
            "summary": "一次性困难救助，张三承诺息诉罢访"}
    r = api("disp_zt").post(f"/cases/{case.pk}/agreements", data=data, files=files)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["content_type"] == "application/pdf" and body["size"] == len(PDF)
    # a leader sees the parties masked; the dispatcher in full
    listed = api("leader_city").get(f"/cases/{case.pk}/agreements").json()
    assert listed["count"] == 1 and "13812340000" not in listed["results"][0]["parties"]
    assert "13812340000" in api("disp_zt").get(f"/cases/{case.pk}/agreements").json()["results"][0]["parties"]
    bad = api("disp_zt").post(f"/cases/{case.pk}/agreements", data=data,
                              files={"document": ("x.html", b"<script>1</script>", "text/html")})
    assert bad.status_code == 422 and bad.json()["field"] == "document"
    missing = api("disp_zt").post(f"/cases/{case.pk}/agreements", data=data)
    assert missing.status_code == 422 and missing.json()["field"] == "document"
    nodate = api("disp_zt").post(f"/cases/{case.pk}/agreements", data={"parties": "甲"}, files=files)
    assert nodate.status_code == 422 and nodate.json()["field"] == "signed_on"
    assert api("water").post(f"/cases/{case.pk}/agreements", data=data, files=files).status_code in (403, 404)
    assert api("disp_yx").get(f"/cases/{case.pk}/agreements").status_code == 404


def test_backlog_list_over_http(lk, api, settings):
    settings.MINQING_BACKLOG_DAYS = 30
    old = timezone.now() - dt.timedelta(days=45)
    register(lk)  # fresh: not backlog
    hot = register(lk, at=old, reporter_phone="13812349999", text="张三电话13812349999，小区供水三年没解决")
    pet = register(lk, channel="petition", at=old + dt.timedelta(days=3))
    yx = register(lk, region="430223100001", at=old, text="攸县积案")
    owned = register(lk)
    api("leader_lk").post(f"/cases/{owned.pk}/own")
    r = api("leader_city").get("/backlog")
    assert r.status_code == 200, r.text
    rows = r.json()["results"]
    assert [x["id"] for x in rows] == [pet.pk, hot.pk, yx.pk, owned.pk]  # petitions, then the oldest
    assert rows[0]["petition"] and rows[0]["age_days"] >= 41
    assert rows[3]["owner"]["name"] == "周区长" and rows[3]["owned_since"]
    assert "13812349999" not in rows[1]["text"]  # a leader reads it masked
    assert {"meetings", "deadline", "agreements"} <= set(rows[0])
    lk_rows = api("leader_lk").get("/backlog").json()["results"]
    assert yx.pk not in [x["id"] for x in lk_rows]
    assert [x["id"] for x in api("leader_lk").get("/backlog", params={"owned": "true"}).json()["results"]] == [owned.pk]
    assert api("leader_city").get("/backlog", params={"region": "430223"}).json()["count"] == 1
    assert api("leader_city").get("/backlog", params={"region": "nope"}).status_code == 422
    assert api("leader_city").get("/backlog", params={"page_size": 500}).status_code == 422
    assert api("water").get("/backlog").json()["count"] == 0


def test_receptions_over_http(lk, api):
    today = dt.date.today().isoformat()
    body = {"leader": "leader_lk", "region": "430212", "date": today, "place": "渌口区信访局一楼接待室"}
    r = api("disp_lk").post("/receptions", json=body)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["leader"]["name"] == "周区长"
    assert api("disp_lk").post("/receptions", json=body).status_code == 409
    assert api("disp_yx").post("/receptions", json={**body, "place": "别处"}).status_code == 403
    assert api("disp_lk").post("/receptions", json={**body, "leader": "water", "place": "别处"}).status_code == 422
    assert api("disp_lk").post("/receptions", json={**body, "place": "x" * 201}).status_code == 422
    assert [x["id"] for x in api("leader_city").get("/receptions").json()["results"]] == [rid]
    assert api("disp_yx").get("/receptions").json()["count"] == 0
    case = {"text": "征地补偿款三年未到位", "kind": "complaint", "region": "430212101201",
            "reporter_name": "李四", "reporter_phone": "13900001111"}
    r = api("leader_lk").post(f"/receptions/{rid}/cases", json=case)
    assert r.status_code == 201, r.text
    assert r.json()["channel"] == "reception" and r.json()["owner"]["username"] == "leader_lk"
    assert Case.objects.get(pk=r.json()["id"]).leader.username == "leader_lk"
    assert api("water").post(f"/receptions/{rid}/cases", json=case).status_code == 404
    assert api("disp_yx").post(f"/receptions/{rid}/cases", json=case).status_code == 404
    assert api("leader_lk").post("/receptions/999999/cases", json=case).status_code == 404
    assert api("leader_lk").post(f"/receptions/{rid}/cases", json={**case, "kind": "x"}).status_code == 422


def test_stats_carry_backlog_and_policies(lk, api):
    register(lk, channel="petition", at=timezone.now() - dt.timedelta(days=90))
    s = api("leader_city").get("/stats").json()
    assert s["backlog"]["backlog_open"] == 1 and s["backlog"]["petitions_open"] == 1
    assert s["policies"]["policies"] == 0
    assert api("water").get("/stats").json()["backlog"] is None
