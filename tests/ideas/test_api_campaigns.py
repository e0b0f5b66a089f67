"""/api/v1/campaigns over HTTP: create (201, 409, 422), the list in scope, submissions through
POST /api/v1/cases with "campaign", the review, figures, the digest files opened and checked,
the QR code and the A4 poster rendered, 金果子."""

import datetime as dt
import io

from django.utils import timezone

from minqing.ideas.models import CampaignCase

from .helpers import to_state


def _today():
    return timezone.localdate()


def body(**over):
    d = {"slug": "jdz-2026", "title": "“十五五”规划金点子", "region": "430200",
         "starts": (_today() - dt.timedelta(days=5)).isoformat(), "ends": (_today() + dt.timedelta(days=30)).isoformat(),
         "kind": "suggestion", "description": "为家乡发展建言献策"}
    d.update(over)
    return d


def submit(api, text, who="disp_zt", region="430212101201", **kw):
    r = api(who).post("/cases", json={"text": text, "channel": "hotline", "kind": "suggestion", "category": "other",
                                      "region": region, "campaign": "jdz-2026", **kw})
    assert r.status_code == 201, r.text
    return r.json()


def test_create_conflict_and_bad_input(api):
    r = api("leader_city").post("/campaigns", json=body())
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["slug"] == "jdz-2026" and d["region"] == "430200" and d["open"] and d["figures"]["submissions"] == 0
    r = api("leader_city").post("/campaigns", json=body(title="again"))
    assert r.status_code == 409 and r.json()["code"] == "conflict" and r.json()["field"] == "slug"
    for over, field in [({"slug": "NOT A SLUG"}, "slug"), ({"starts": "2026-13-01"}, "starts"),
                        ({"ends": "2000-01-01"}, "ends"), ({"region": "nope"}, "region"),
                        ({"kind": "zzz"}, "kind"), ({"title": "x" * 201}, "title"), ({"slug": "s" * 65}, "slug")]:
        r = api("leader_city").post("/campaigns", json=body(**{"slug": "other-one", **over}))
        assert r.status_code == 422, (over, r.text)
        assert r.json()["field"] == field, (over, r.json())
    r = api("leader_city").post("/campaigns", json={"slug": "x-y-z"})
    assert r.status_code == 422
    assert api("disp_zt").post("/campaigns", json=body(slug="by-dispatcher", region="430212101")).status_code == 403
    assert api().post("/campaigns", json=body(slug="anon")).status_code == 401


def test_list_shows_the_campaigns_in_scope(api):
    assert api("leader_city").post("/campaigns", json=body()).status_code == 201
    assert api("leader_yx").post("/campaigns", json=body(slug="yx-only", region="430223")).status_code == 201
    slugs = lambda who: sorted(c["slug"] for c in api(who).get("/campaigns").json()["results"])  # noqa: E731
    assert slugs("admin") == ["jdz-2026", "yx-only"]
    assert slugs("leader_city") == ["jdz-2026", "yx-only"]
    assert slugs("leader_yx") == ["yx-only"]
    assert slugs("disp_lk") == []
    assert api("disp_yx").get("/campaigns/yx-only").status_code == 200
    assert api("disp_lk").get("/campaigns/yx-only").status_code == 404
    assert api("admin").get("/campaigns", params={"page_size": 1000}).status_code == 422
    assert api("admin").get("/campaigns/yx%00only").status_code == 404
    assert api("admin").get("/campaigns/" + "y" * 65).status_code == 422
    r = api("disp_zt").post("/cases", json={"text": "x", "channel": "hotline", "kind": "suggestion",
                                            "campaign": "yx\u0000only"})
    assert r.status_code == 422 and r.json()["field"] == "campaign"


def test_edit(api):
    api("leader_city").post("/campaigns", json=body())
    r = api("leader_city").put("/campaigns/jdz-2026", json={**{k: v for k, v in body().items() if k != "slug"},
                                                            "title": "新标题", "active": False})
    assert r.status_code == 200 and r.json()["title"] == "新标题" and not r.json()["open"]
    assert api("leader_yx").put("/campaigns/jdz-2026", json={**{k: v for k, v in body().items() if k != "slug"}}
                                ).status_code == 404


def test_cases_with_a_campaign_are_its_submissions_and_reviewed_over_http(api, tworld):
    api("leader_city").post("/campaigns", json=body())
    a = submit(api, "建议在朱亭村建老年活动中心，联系人：王小明，电话13812345678")
    b = submit(api, "朱亭村需要一个老年活动场所")
    c = submit(api, "建议联星街道增设公交站", region="430223100001")
    links = {ln.case_id: ln for ln in CampaignCase.objects.all()}
    assert set(links) == {a["id"], b["id"], c["id"]}
    r = api("disp_zt").post("/cases", json={"text": "x", "channel": "hotline", "kind": "suggestion",
                                            "campaign": "no-such"})
    assert r.status_code == 422 and r.json()["field"] == "campaign"
    la, lb, lc = links[a["id"]].pk, links[b["id"]].pk, links[c["id"]].pk
    lead = api("leader_city")
    r = lead.post(f"/campaigns/jdz-2026/submissions/{la}/adopt", json={"note": "纳入规划", "topic": "养老服务"})
    assert r.status_code == 200 and r.json()["status"] == "adopted", r.text
    assert lead.post(f"/campaigns/jdz-2026/submissions/{la}/adopt", json={}).status_code == 409
    assert lead.post(f"/campaigns/jdz-2026/submissions/{lb}/merge", json={"into": la}).json()["status"] == "merged"
    assert lead.post(f"/campaigns/jdz-2026/submissions/{lc}/answer", json={"text": ""}).status_code == 422
    assert lead.post(f"/campaigns/jdz-2026/submissions/{lc}/answer",
                     json={"text": "已转交交通部门", "topic": "公交"}).status_code == 200
    r = lead.post(f"/campaigns/jdz-2026/submissions/{la}/outcome", json={"text": "活动中心已建成", "implemented": True})
    assert r.status_code == 200 and r.json()["implemented"]
    assert api("water").post(f"/campaigns/jdz-2026/submissions/{lc}/answer", json={"text": "x"}).status_code == 404
    assert lead.post(f"/campaigns/jdz-2026/submissions/{2**63}/adopt", json={}).status_code == 422
    assert lead.post("/campaigns/jdz-2026/submissions/999999/adopt", json={}).status_code == 404
    f = lead.get("/campaigns/jdz-2026/figures").json()
    assert (f["submissions"], f["adopted"], f["merged"], f["answered"], f["implemented"]) == (3, 1, 1, 1, 1)
    assert {r["code"]: r["submissions"] for r in f["by_region"]} == {"430212": 2, "430223": 1}
    subs = api("sup_lk").get("/campaigns/jdz-2026/submissions")
    assert subs.status_code == 404  # a supervisor of 渌口区 does not see the city's campaign
    subs = lead.get("/campaigns/jdz-2026/submissions", params={"status": "adopted"}).json()
    assert subs["total"] == 1 and "13812345678" not in str(subs)  # a leader sees masked text
    assert lead.get("/campaigns/jdz-2026/submissions", params={"status": "bogus"}).status_code == 422


def test_digest_files_are_masked_and_readable(api, tworld):
    import openpyxl
    from docx import Document

    api("leader_city").post("/campaigns", json=body())
    a = submit(api, "建议在朱亭村建老年活动中心，联系人：王小明，电话13812345678")
    submit(api, "=HYPERLINK(\"http://evil\",\"点我\") 建议修路", category="roads_transport")
    la = CampaignCase.objects.get(case_id=a["id"]).pk
    api("leader_city").post(f"/campaigns/jdz-2026/submissions/{la}/adopt", json={"topic": "养老服务"})
    api("leader_city").post(f"/campaigns/jdz-2026/submissions/{la}/outcome",
                            json={"text": "已建成并开放", "implemented": True})
    r = api("leader_city").get("/campaigns/jdz-2026/digest.docx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "建议摘编" in text and "养老服务" in text and "已建成并开放" in text
    assert "13812345678" not in text and "王小明" not in text and "138****5678" in text
    assert "建议总数" in text
    r = api("leader_city").get("/campaigns/jdz-2026/digest.xlsx")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:3] == ["总体情况", "分类摘编", "采纳建议"]
    figures = {row[0]: row[1] for row in wb["总体情况"].iter_rows(min_row=2, values_only=True)}
    assert figures["建议总数"] == 2 and figures["采纳"] == 1 and figures["已落实"] == 1
    cells = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any(c.startswith("=") for c in cells)  # the formula-looking text stays text
    assert any("HYPERLINK" in c for c in cells)
    assert not any("13812345678" in c for c in cells)
    adopted = list(wb["采纳建议"].iter_rows(min_row=2, values_only=True))
    assert len(adopted) == 1 and adopted[0][1] == "养老服务"
    assert api("disp_yx").get("/campaigns/jdz-2026/digest.docx").status_code == 404


def test_qr_and_poster(api, tworld):
    import pypdfium2

    api("leader_city").post("/campaigns", json=body())
    r = api("leader_city").get("/campaigns/jdz-2026/qr.svg")
    assert r.status_code == 200 and r.text.lstrip().startswith("<svg")
    r = api("leader_city").get("/campaigns/jdz-2026/poster.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(r.content)
    assert len(pdf) == 1
    page = pdf[0]
    w, h = page.get_size()
    assert abs(w - 595) < 2 and abs(h - 842) < 2  # A4 in points
    text = page.get_textpage().get_text_range()
    assert "“十五五”规划金点子" in text and "扫码" in text and "campaign=jdz-2026" in text
    img = page.render(scale=1).to_pil()
    dark = sum(1 for p in img.convert("L").getdata() if p < 60)
    assert dark > 10000  # the QR code's modules are there
    page.close()
    pdf.close()


def test_typical_over_http(api, tworld):
    closed = to_state(tworld, "closed")
    handled = to_state(tworld, "handled")
    r = api("disp_zt").post(f"/cases/{closed.pk}/typical", json={"title": "三天恢复供水", "writeup": "连夜抢修"})
    assert r.status_code == 201, r.text
    assert api("disp_zt").post(f"/cases/{closed.pk}/typical", json={"title": "a", "writeup": "b"}).status_code == 409
    assert api("disp_zt").post(f"/cases/{handled.pk}/typical", json={"title": "a", "writeup": "b"}).status_code == 409
    assert api("water").post(f"/cases/{closed.pk}/typical", json={"title": "a", "writeup": "b"}).status_code == 403
    assert api("disp_yx").post(f"/cases/{closed.pk}/typical", json={"title": "a", "writeup": "b"}).status_code == 404
    assert api("disp_zt").post(f"/cases/{closed.pk}/typical", json={"title": "a" * 101, "writeup": "b"}
                               ).status_code == 422
    rows = api("admin").get("/typical").json()["typical_cases"]
    assert [t["case"] for t in rows] == [closed.pk] and rows[0]["title"] == "三天恢复供水"
    assert api("leader_city").delete(f"/cases/{closed.pk}/typical").status_code == 200
    assert api("admin").get("/typical").json()["typical_cases"] == []
