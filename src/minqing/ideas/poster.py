"""A campaign's QR code (segno) and its printable A4 poster (PDF through WeasyPrint, with the
CJK font that scripts/install.sh installs: Debian's fonts-noto-cjk; WenQuanYi as a fallback)."""

import base64
import io

import segno
from django.template.loader import render_to_string


def submit_path(campaign):
    from django.urls import reverse

    return reverse("web:report") + f"?campaign={campaign.slug}"


def qr_svg(url, scale=6):
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def qr_png(url, scale=10):
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def poster_html(campaign, url):
    png = base64.b64encode(qr_png(url, scale=12)).decode()
    return render_to_string("ideas/poster.html", {"campaign": campaign, "url": url, "qr": f"data:image/png;base64,{png}"})


def poster_pdf(campaign, url):
    from weasyprint import HTML

    return HTML(string=poster_html(campaign, url)).write_pdf()
