"""The report form's photo in real headless Chromium, at phone and desktop width: a forged
image (a JPEG header followed by HTML) is refused with a clear error next to the photo
field and the rest of the form kept; a phone photo with GPS EXIF goes in clean."""

import io
import os

import pytest
from PIL import ExifTags, Image

from minqing.cases.models import Attachment, Case

from .test_browser import CHROMIUM_ARGS

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SHOTS = os.environ.get("MINQING_SHOTS")  # a directory to keep the screenshots in


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _limits(settings, transactional_db):
    from django.core.cache import cache

    cache.clear()
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "REPORT_RATE": (1000, 600)}


def _gps_jpeg():
    im = Image.new("RGB", (64, 48), (30, 120, 200))
    ex = Image.Exif()
    ex[ExifTags.Base.Make] = "PhoneMaker"
    ex[ExifTags.IFD.GPSInfo] = {1: "N", 2: (27.0, 42.0, 3.5), 3: "E", 4: (113.0, 8.0, 51.2)}
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=ex)
    return buf.getvalue()


def _fill(page):
    for i, name in enumerate(["湖南省", "株洲市", "渌口区", "朱亭镇", "朱亭村"]):
        page.locator("select[name=region_pick]").nth(i).select_option(label=name)
        page.wait_for_function(
            "name => { const p = document.querySelector('#region-picker p');"
            " return p && p.textContent.includes(name) && !document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request'); }",
            arg=name)
    page.fill("#id_address", "三组12号")
    page.fill("#id_text", "朱亭村三组路口积水严重，行人无法通过，请尽快疏通")
    page.fill("#id_reporter_name", "王五")
    page.fill("#id_reporter_phone", "13712345678")


@pytest.mark.parametrize("width", [390, 1366])
def test_a_forged_photo_is_refused_on_the_page_and_a_real_one_goes_in_clean(tworld, live_server, browser, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/report/")
    _fill(page)
    forged = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00<html><script>alert(1)</script>"
    page.set_input_files("#id_photo", files=[{"name": "门口积水.jpg", "mimeType": "image/jpeg", "buffer": forged}])
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("text=照片已损坏或不是真正的图片")
    assert not Case.objects.exists()
    # the error sits with the photo field, the text typed is still there, no sideways scrolling
    assert page.input_value("#id_text").startswith("朱亭村三组路口积水")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if SHOTS:
        page.locator("#id_photo").scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, f"report-photo-refused-{width}.png"), full_page=True)
    page.set_input_files("#id_photo", files=[{"name": "IMG_0001.JPG", "mimeType": "image/jpeg",
                                               "buffer": _gps_jpeg()}])
    page.click("#report-form button[type=submit]")
    code = page.locator("#tracking-code").inner_text().strip()
    att = Attachment.objects.get(case__tracking_code=code)
    stored = att.file.read()
    assert att.file.name.endswith(".jpg") and b"Exif" not in stored and b"PhoneMaker" not in stored
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"report-photo-done-{width}.png"), full_page=True)
    ctx.close()
