"""Uploaded photos are decoded and encoded again (``minqing.images.clean_image``): no
EXIF or GPS position survives, nothing appended after the image is stored, the file is
named by the format it really is, a forged image (a JPEG header before HTML) and a
decompression bomb are refused with a form error — never a 500."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from minqing.cases.models import Attachment, Case
from minqing.images import ImageRefused, clean_image
from minqing.web.models import PendingUpload

from .helpers import report_data, token_of

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "REPORT_RATE": (1000, 600)}


def _image(fmt, size=(40, 20), exif=None, **kw):
    im = Image.new("RGB", size, (255, 0, 0))
    im.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))  # left red, right blue
    buf = io.BytesIO()
    if exif is not None:
        kw["exif"] = exif
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _gps_exif(orientation=6):
    ex = Image.Exif()
    ex[ExifTags.Base.Orientation] = orientation
    ex[ExifTags.Base.Make] = "PhoneMaker"
    ex[ExifTags.Base.Model] = "Phone 15"
    ex[ExifTags.IFD.GPSInfo] = {1: "N", 2: (27.0, 42.0, 3.5), 3: "E", 4: (113.0, 8.0, 51.2)}
    return ex


def _post(client, photo, **over):
    token = token_of(client.get("/report/").content.decode())
    return client.post("/report/", report_data(token, photo=photo, **over))


def test_a_jpeg_with_gps_exif_is_stored_without_it_and_upright(world, client):
    raw = _image("JPEG", exif=_gps_exif(orientation=6))
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS
    resp = _post(client, SimpleUploadedFile("IMG_0001.JPG", raw, content_type="image/jpeg"))
    assert resp.status_code == 302
    att = Attachment.objects.get()
    stored = att.file.read()
    assert att.file.name.endswith(".jpg") and att.content_type == "image/jpeg" and att.size == len(stored)
    assert b"Exif" not in stored and b"PhoneMaker" not in stored
    im = Image.open(io.BytesIO(stored))
    assert im.format == "JPEG" and not im.getexif() and "exif" not in im.info
    # orientation 6 (rotate 90° clockwise to view) applied to the pixels: 40×20 became 20×40,
    # and what was the left (red) half is now the top
    assert im.size == (20, 40)
    r, g, b = im.convert("RGB").getpixel((10, 5))
    assert r > 200 and b < 60
    r, g, b = im.convert("RGB").getpixel((10, 35))
    assert b > 200 and r < 60


def test_a_jpeg_header_followed_by_html_is_refused(world, client):
    forged = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + HTML
    resp = _post(client, SimpleUploadedFile("cute.html", forged, content_type="image/jpeg"))
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "照片已损坏或不是真正的图片" in html and "已选照片" not in html
    assert not Case.objects.exists() and not Attachment.objects.exists() and not PendingUpload.objects.exists()
    # a real JPEG's first kilobyte, then HTML: refused too (it does not decode)
    cut = _image("JPEG", size=(200, 200), quality=95)[:600] + HTML
    assert _post(client, SimpleUploadedFile("x.jpg", cut, content_type="image/jpeg")).status_code == 422
    assert not Attachment.objects.exists()


def test_a_png_with_appended_bytes_is_stored_clean_as_png(world, client):
    raw = _image("PNG")
    polyglot = raw + HTML + b"PK\x03\x04 a zip too"
    resp = _post(client, SimpleUploadedFile("report.html", polyglot, content_type="text/html"))
    assert resp.status_code == 302
    att = Attachment.objects.get()
    stored = att.file.read()
    assert att.file.name.endswith(".png") and ".html" not in att.file.name and att.content_type == "image/png"
    assert HTML not in stored and b"PK\x03\x04" not in stored and stored.endswith(b"IEND\xaeB`\x82")
    im = Image.open(io.BytesIO(stored))
    im.load()
    assert im.format == "PNG" and im.size == (40, 20)


def test_a_full_jpeg_with_html_after_it_keeps_the_picture_only(world, client):
    raw = _image("JPEG", exif=_gps_exif(orientation=1)) + HTML
    resp = _post(client, SimpleUploadedFile("a.jpg.html", raw, content_type="image/jpeg"))
    assert resp.status_code == 302
    stored = Attachment.objects.get().file.read()
    assert HTML not in stored and b"Exif" not in stored and stored.endswith(b"\xff\xd9")


@pytest.mark.parametrize("fmt,ext,ctype", [("GIF", "gif", "image/gif"), ("WEBP", "webp", "image/webp")])
def test_gif_and_webp_keep_their_format(world, client, fmt, ext, ctype):
    resp = _post(client, SimpleUploadedFile("p", _image(fmt), content_type="application/octet-stream"))
    assert resp.status_code == 302
    att = Attachment.objects.get()
    assert att.file.name.endswith("." + ext) and att.content_type == ctype
    assert Image.open(att.file).format == fmt


def _png_claiming(width, height):
    """A tiny PNG whose header claims width × height pixels (a decompression bomb's header)."""
    raw = bytearray(_image("PNG", size=(1, 1)))
    ihdr = raw.index(b"IHDR")
    raw[ihdr + 4:ihdr + 12] = struct.pack(">II", width, height)
    raw[ihdr + 17:ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(raw[ihdr:ihdr + 17])))
    return bytes(raw)


def test_a_decompression_bomb_is_refused_not_a_500(world, client, settings):
    for w, h in ((100_000, 100_000), (9_000, 9_000)):  # beyond Pillow's own limit, and beyond ours (50 MP)
        resp = _post(client, SimpleUploadedFile("bomb.png", _png_claiming(w, h), content_type="image/png"))
        assert resp.status_code == 422, (w, h)
        assert "照片像素过多" in resp.content.decode()
    # the limit is a setting
    settings.MINQING_WEB = {**settings.MINQING_WEB, "MAX_PHOTO_PIXELS": 100}
    resp = _post(client, SimpleUploadedFile("a.png", _image("PNG", size=(20, 20)), content_type="image/png"))
    assert resp.status_code == 422 and "照片像素过多" in resp.content.decode()
    assert not Attachment.objects.exists()


def test_a_photo_kept_over_a_form_error_is_the_clean_one(world, client, django_capture_on_commit_callbacks):
    raw = _image("JPEG", exif=_gps_exif()) + HTML
    token = token_of(client.get("/report/").content.decode())
    html = client.post("/report/", report_data(token, text="", photo=SimpleUploadedFile("门口.jpg", raw))).content
    assert "门口.jpg".encode() in html  # the reporter sees the name they chose
    pending = PendingUpload.objects.get()
    kept = pending.file.read()
    assert b"Exif" not in kept and HTML not in kept
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/report/", report_data(token, pending_photo=pending.token))
    assert resp.status_code == 302
    att = Attachment.objects.get()
    assert att.file.name.endswith(".jpg") and "门口" not in att.file.name and att.file.read() == kept


def test_clean_image_refuses_what_does_not_decode():
    for data in (b"", b"GIF89a" + HTML, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"RIFF\x00\x00\x00\x00WEBP" + HTML,
                 _image("BMP"), _image("TIFF")):
        with pytest.raises(ImageRefused) as e:
            clean_image(data)
        assert e.value.reason == "not_image"
    with pytest.raises(ImageRefused) as e:
        clean_image(io.BytesIO(_image("PNG")), max_bytes=10)
    assert e.value.reason == "too_large"
