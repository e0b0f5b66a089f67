"""The reporter portal: form, bad input, double submission, photos, rate limit, CSRF,
region picker, category search, tracking page with its return visit, QR codes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from minqing.cases import actions
from minqing.cases.models import Attachment, Case, ReturnVisit
from minqing.web.models import Campaign, CampaignCase

from .helpers import VILLAGE, new_case, report_data, through, token_of


def _png():
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


PNG = _png()  # a real PNG, as Pillow writes it (what the form stores after re-encoding it)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "REPORT_RATE": (1000, 600), "VISIT_RATE": (1000, 600)}


def test_report_form_registers_one_case_with_tracking_code(world, client):
    page = client.get("/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "csrfmiddlewaretoken" in html and 'name="region"' in html
    resp = client.post("/report/", report_data(token_of(html)))
    assert resp.status_code == 302
    case = Case.objects.get()
    assert resp["Location"] == f"/report/done/{case.tracking_code}/"
    assert case.channel == "web" and case.state == "registered" and case.region.code == VILLAGE
    assert case.reporter_phone == "13900001111" and case.created_by is None
    assert case.owner_region.code == "430212101"  # the township's dispatcher owns it
    done = client.get(resp["Location"]).content.decode()
    assert case.tracking_code in done and f"/t/{case.tracking_code}/" in done


def test_bad_input_shows_field_errors_and_keeps_what_was_typed(world, client):
    token = token_of(client.get("/report/").content.decode())
    resp = client.post("/report/", report_data(token, text="", reporter_phone="call me", address="三组12号院"))
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "请写下您要反映的问题或建议" in html
    assert "电话号码格式不正确" in html
    assert 'value="三组12号院"' in html and 'value="call me"' in html
    assert 'value="李四"' in html
    assert f'value="{VILLAGE}"' in html  # the place picked stays picked
    assert token in html  # the same token: a corrected resubmission is still one case
    assert Case.objects.count() == 0


def test_missing_place_is_a_field_error(world, client):
    token = token_of(client.get("/report/").content.decode())
    resp = client.post("/report/", report_data(token, region=""))
    assert resp.status_code == 422 and "请选择地点" in resp.content.decode()
    assert not Case.objects.exists()


def test_double_submission_creates_one_case(world, client):
    token = token_of(client.get("/report/").content.decode())
    first = client.post("/report/", report_data(token))
    second = client.post("/report/", report_data(token))
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_new_form_is_a_new_case(world, client):
    for _ in range(2):
        token = token_of(client.get("/report/").content.decode())
        client.post("/report/", report_data(token))
    assert Case.objects.count() == 2


def test_photo_type_and_size_are_checked(world, client, settings):
    settings.MINQING_WEB = {**settings.MINQING_WEB, "MAX_PHOTO_BYTES": 1000}
    token = token_of(client.get("/report/").content.decode())
    fake = SimpleUploadedFile("x.jpg", b"MZ this is not an image", content_type="image/jpeg")
    resp = client.post("/report/", report_data(token, photo=fake))
    assert resp.status_code == 422 and "只能上传" in resp.content.decode()
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 2000, content_type="image/png")
    resp = client.post("/report/", report_data(token, photo=big))
    assert resp.status_code == 422 and "照片不能超过" in resp.content.decode()
    assert not Case.objects.exists()
    ok = SimpleUploadedFile("ok.png", PNG, content_type="application/octet-stream")
    resp = client.post("/report/", report_data(token, photo=ok))
    assert resp.status_code == 302
    att = Attachment.objects.get()
    assert att.content_type == "image/png" and att.size == len(PNG) and not att.public


def test_public_form_is_rate_limited_per_client(world, settings):
    settings.MINQING_WEB = {**settings.MINQING_WEB, "REPORT_RATE": (2, 600), "VISIT_RATE": (2, 600)}
    a = Client(REMOTE_ADDR="10.0.0.1")
    b = Client(REMOTE_ADDR="10.0.0.2")
    codes = []
    for _ in range(3):
        token = token_of(a.get("/report/").content.decode())
        codes.append(a.post("/report/", report_data(token)).status_code)
    assert codes == [302, 302, 429]
    resp = a.post("/report/", report_data(token))
    assert resp.status_code == 429 and "提交过于频繁" in resp.content.decode() and int(resp["Retry-After"]) > 0
    token = token_of(b.get("/report/").content.decode())
    assert b.post("/report/", report_data(token)).status_code == 302  # another client is not limited
    assert Case.objects.count() == 3


def test_csrf_is_enforced(world):
    c = Client(enforce_csrf_checks=True)
    token = token_of(c.get("/report/").content.decode())
    assert c.post("/report/", report_data(token)).status_code == 403
    assert not Case.objects.exists()


def test_region_picker_cascades(world, client):
    html = client.get("/report/regions/", {"region_pick": "430212101"}).content.decode()
    assert 'name="region" value="430212101"' in html
    assert "朱亭村" in html and "湖南省" in html and "渌口区" in html
    assert "联星街道" not in html  # another county's township is not offered here
    top = client.get("/report/regions/", {"region_pick": ""}).content.decode()
    assert 'name="region" value=""' in top and "湖南省" in top and "朱亭村" not in top


def test_category_search(world, client):
    html = client.get("/report/categories/", {"q": "供水"}).content.decode()
    assert 'value="water_supply"' in html and 'value="education"' not in html
    html = client.get("/report/categories/", {"q": "路灯"}).content.decode()  # by keyword or name
    assert "<option" in html


def test_qr_prefills_the_place_and_counts_as_qr_channel(world, client):
    page = client.get("/qr/region/430212101201/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert "/report/?region=430212101201" in page.content.decode()
    svg = client.get("/qr/region/430212101201.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    form = client.get("/report/", {"region": "430212101201", "via": "qr"}).content.decode()
    assert 'name="region" value="430212101201"' in form and 'name="via" value="qr"' in form
    client.post("/report/?region=430212101201&via=qr", report_data(token_of(form), via="qr"))
    assert Case.objects.get().channel == "qr"
    assert client.get("/qr/region/nowhere/").status_code == 404


def test_campaign_qr_and_form(world, client):
    camp = Campaign.objects.create(slug="plan-2026", title="十五五规划金点子", kind="suggestion",
                                   region=world.regions["430212"])
    page = client.get("/qr/campaign/plan-2026/")
    assert page.status_code == 200 and "十五五规划金点子" in page.content.decode()
    form = client.get("/report/", {"campaign": "plan-2026"}).content.decode()
    assert 'value="plan-2026"' in form and "十五五规划金点子" in form
    token = token_of(form)
    client.post("/report/", report_data(token, kind="suggestion", campaign="plan-2026", region="430212"))
    link = CampaignCase.objects.get()
    assert link.campaign == camp and link.case.kind == "suggestion" and link.case.channel == "qr"


def test_tracking_page_shows_progress_answer_and_takes_the_rating(world, client):
    case = new_case(world)
    html = client.get(f"/t/{case.tracking_code}/").content.decode()
    assert "已收到您的反映" in html and "visit-form" not in html
    assert "13812345678" not in html  # no personal data on the public page
    through(world, case, "handled")
    html = client.get(f"/t/{case.tracking_code}/").content.decode()
    assert "已抢修管道，恢复供水" in html and "visit-form" in html
    bad = client.post(f"/t/{case.tracking_code}/", {"solved": "yes", "rating": "satisfied", "score": "11"})
    assert bad.status_code == 422 and 'value="11"' in bad.content.decode()
    ok = client.post(f"/t/{case.tracking_code}/", {"solved": "yes", "rating": "satisfied", "score": "9", "note": "谢谢"})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed" and case.resolved and case.last_score == 9
    rv = ReturnVisit.objects.get(case=case)
    assert rv.via == "reporter" and rv.solved is True
    assert "已办结销号" in client.get(f"/t/{case.tracking_code}/").content.decode()


def test_unsatisfied_reporter_reopens(world, client):
    case = through(world, new_case(world), "handled")
    client.post(f"/t/{case.tracking_code.lower()}/", {"solved": "no", "rating": "unsatisfied", "score": "2"})
    case.refresh_from_db()
    assert case.state == "reopened" and case.reopen_count == 1


def test_merged_case_page_follows_its_original(world, client):
    original = new_case(world)
    dup = new_case(world, text="朱亭村也停水了", phone="13700000000")
    actions.merge(world.actor("disp_zt"), dup, into=original)
    through(world, original, "handled")
    html = client.get(f"/t/{dup.tracking_code}/").content.decode()
    assert original.tracking_code in html and "合并办理" in html and "已抢修管道" in html
    client.post(f"/t/{dup.tracking_code}/", {"solved": "yes", "rating": "basically_satisfied", "score": "8"})
    original.refresh_from_db()
    assert original.state == "closed"


def test_tracking_lookup(world, client):
    case = new_case(world)
    assert client.get("/t/", {"code": case.tracking_code.lower()})["Location"] == f"/t/{case.tracking_code}/"
    resp = client.get("/t/", {"code": "MQNOPE"})
    assert resp.status_code == 404 and "没有找到" in resp.content.decode()
    assert client.get("/t/MQNOPE/").status_code == 404


# ---- a photo survives an error in another field -------------------------------------------------

def _pending_token(html):
    import re

    m = re.search(r'name="pending_photo" value="([^"]+)"', html)
    return m.group(1) if m else None


def test_photo_is_kept_across_a_form_error_and_attached_on_submit(world, client, django_capture_on_commit_callbacks):
    from minqing.web.models import PendingUpload

    token = token_of(client.get("/report/").content.decode())
    photo = SimpleUploadedFile("门口积水.png", PNG, content_type="image/png")
    resp = client.post("/report/", report_data(token, text="", photo=photo))
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "已选照片：" in html and "门口积水.png" in html and "更换" in html
    pending = _pending_token(html)
    assert pending and len(pending) >= 40  # unguessable
    row = PendingUpload.objects.get()
    assert row.token == pending and row.form_token == token and row.content_type == "image/png"
    assert row.size == len(PNG) and "门口积水" not in row.file.name  # the path is the token, not the name
    # another error: still carried
    resp = client.post("/report/", report_data(token, reporter_phone="bad", pending_photo=pending))
    assert resp.status_code == 422 and _pending_token(resp.content.decode()) == pending
    # corrected: the case has the photo, and the pending file is gone
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/report/", report_data(token, pending_photo=pending))
    assert resp.status_code == 302
    att = Attachment.objects.get()
    assert att.case == Case.objects.get() and att.content_type == "image/png" and att.size == len(PNG)
    assert att.file.read() == PNG and att.file.name.endswith(".png")
    assert not PendingUpload.objects.exists() and not row.file.storage.exists(row.file.name)


def test_a_rejected_photo_is_not_kept(world, client):
    from minqing.web.models import PendingUpload

    token = token_of(client.get("/report/").content.decode())
    fake = SimpleUploadedFile("x.jpg", b"MZ not an image", content_type="image/jpeg")
    html = client.post("/report/", report_data(token, text="", photo=fake)).content.decode()
    assert "只能上传" in html and "已选照片" not in html and _pending_token(html) is None
    assert not PendingUpload.objects.exists()


def test_a_new_photo_replaces_the_kept_one_and_it_can_be_dropped(world, client, django_capture_on_commit_callbacks):
    from minqing.web.models import PendingUpload

    token = token_of(client.get("/report/").content.decode())
    first = _pending_token(client.post("/report/", report_data(
        token, text="", photo=SimpleUploadedFile("a.png", PNG))).content.decode())
    html = client.post("/report/", report_data(
        token, text="", pending_photo=first, photo=SimpleUploadedFile("b.png", PNG + b"b"))).content.decode()
    second = _pending_token(html)
    assert second and second != first and "b.png" in html and "a.png" not in html
    assert list(PendingUpload.objects.values_list("token", flat=True)) == [second]
    # "不用这张照片": the case is registered without a photo
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/report/", report_data(token, pending_photo=second, photo_clear="on"))
    assert resp.status_code == 302 and Case.objects.count() == 1 and not Attachment.objects.exists()
    assert not PendingUpload.objects.exists()


def test_a_foreign_forged_or_stale_photo_token_is_ignored(world, client, settings):
    from minqing.web.models import PendingUpload

    mine = token_of(client.get("/report/").content.decode())
    theirs = token_of(Client().get("/report/").content.decode())
    other = _pending_token(Client().post("/report/", report_data(
        theirs, text="", photo=SimpleUploadedFile("secret.png", PNG))).content.decode())
    assert other
    # another form's photo: not shown, not attached, no error about it
    resp = client.post("/report/", report_data(mine, text="", pending_photo=other))
    html = resp.content.decode()
    assert "secret.png" not in html and _pending_token(html) is None
    resp = client.post("/report/", report_data(mine, pending_photo=other))
    assert resp.status_code == 302 and not Attachment.objects.exists()
    # forged tokens: ignored, the report goes through
    for forged in ("x" * 43, "../../secret_key", "' OR 1=1 --"):
        token = token_of(client.get("/report/").content.decode())
        assert client.post("/report/", report_data(token, pending_photo=forged)).status_code == 302
    assert Case.objects.count() == 4 and not Attachment.objects.exists()
    # a stale one (older than a day) is ignored too
    settings.MINQING_WEB = {**settings.MINQING_WEB, "PENDING_UPLOAD_MAX_AGE": 0}
    assert PendingUpload.find(other, theirs) is None
    assert client.post("/report/", report_data(theirs, pending_photo=other)).status_code == 302
    assert not Attachment.objects.exists()


def test_worker_drops_stale_pending_photos(world, client, settings):
    import datetime as dt

    from django.utils import timezone

    from minqing.web.jobs import drop_stale_uploads
    from minqing.web.models import PendingUpload

    for name in ("old.png", "new.png"):
        token = token_of(client.get("/report/").content.decode())
        client.post("/report/", report_data(token, text="", photo=SimpleUploadedFile(name, PNG)))
    old = PendingUpload.objects.get(name="old.png")
    PendingUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    assert drop_stale_uploads() == "1 stale uploads removed"
    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["new.png"]
    assert not old.file.storage.exists(old.file.name)
    assert any(path.endswith("drop_stale_uploads") for _n, _i, path in settings.MINQING_WORKER_JOBS)
