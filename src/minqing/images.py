"""Uploaded images, made safe to keep and to serve.

``clean_image`` decodes an upload with Pillow and encodes it again: what is stored is
pixels and nothing else — no EXIF (GPS position, camera, owner), no XMP or comments, no
bytes appended after the image (an HTML page, a ZIP). The EXIF orientation is applied
to the pixels first, so the photo still stands the right way up. The file is named after
the format Pillow decoded (``photo.jpg|png|gif|webp``), never after the name the client
sent. A file that does not decode as one of the four formats — including a JPEG header
followed by something else — and an image with more pixels than allowed (a decompression
bomb) are refused with ``ImageRefused``.
"""

import io
import struct
import warnings

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format -> (extension, content type); nothing else is accepted
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
EXTENSIONS = {ctype: ext for ext, ctype in FORMATS.values()}
MAX_PIXELS = 50_000_000  # a 50-megapixel photo; more is refused before it is decoded


class ImageRefused(ValueError):
    """``reason``: "not_image" (does not decode as JPEG/PNG/GIF/WebP), "too_many_pixels", "too_large"."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def filename_for(content_type):
    return f"photo.{EXTENSIONS.get(content_type, 'bin')}"


def _read(upload, max_bytes):
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1) if max_bytes else upload.read()
    if max_bytes and len(data) > max_bytes:
        raise ImageRefused("too_large")
    return data


def clean_image(upload, *, max_bytes=None, max_pixels=MAX_PIXELS):
    """The upload (a file or bytes) decoded and re-encoded: a ``ContentFile`` named
    ``photo.EXT`` with ``content_type``, ``size``, ``width`` and ``height`` set."""
    data = upload if isinstance(upload, bytes) else _read(upload, max_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if im.format not in FORMATS:
                raise ImageRefused("not_image", str(im.format))
            # the header's size, checked before any pixel is decoded
            if im.width < 1 or im.height < 1 or im.width * im.height > max_pixels:
                raise ImageRefused("too_many_pixels", f"{im.width}x{im.height}")
            fmt = im.format
            im.load()  # a truncated or forged image (JPEG header + HTML) fails here
            im = ImageOps.exif_transpose(im)
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImageRefused("too_many_pixels", str(e)) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError,
                KeyError, struct.error) as e:
            raise ImageRefused("not_image", f"{type(e).__name__}: {e}") from None
    out = _encode(im, fmt)
    ext, ctype = FORMATS[fmt]
    f = ContentFile(out, name=f"photo.{ext}")
    f.content_type = ctype
    f.sniffed_type = ctype  # the name the report form has always used
    f.width, f.height = im.size
    return f


def _encode(im, fmt):
    """Pixels only: a fresh image with no info carried over but transparency and the colour profile."""
    icc = im.info.get("icc_profile")
    transparency = im.info.get("transparency")
    im = im.copy()
    im.info = {}
    buf = io.BytesIO()
    kw = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        if im.mode not in ("RGB", "L", "CMYK"):
            im = im.convert("RGB")
        im.save(buf, "JPEG", quality=90, **kw)
    elif fmt == "PNG":
        if transparency is not None and im.mode in ("P", "L", "RGB"):
            kw["transparency"] = transparency
        im.save(buf, "PNG", **kw)
    elif fmt == "GIF":  # the first frame: a photo of a problem, not an animation
        if im.mode not in ("P", "L"):
            im = im.convert("P", palette=Image.Palette.ADAPTIVE)
        elif transparency is not None:
            kw["transparency"] = transparency
        kw.pop("icc_profile", None)
        im.save(buf, "GIF", **kw)
    else:  # WEBP
        if im.mode not in ("RGB", "RGBA"):
            im = im.convert("RGBA" if "A" in im.mode or transparency is not None else "RGB")
        im.save(buf, "WEBP", quality=90, **kw)
    return buf.getvalue()
