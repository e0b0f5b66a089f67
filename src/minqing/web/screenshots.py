"""Screenshots of every page at phone (390 px) and desk (1366 px) width.

    .venv/bin/python -m minqing.web.screenshots OUTDIR [--port 8110] [--size 400]

Builds a small demo (``minqing.demo``) in a temporary data directory, serves it
on 127.0.0.1:PORT in this process, and drives Debian's Chromium through
Playwright over each role's pages. Writes OUTDIR/NN-name-WIDTH.png and
OUTDIR/index.html (all shots on one page), and reports any page that scrolls
sideways at phone width.
"""

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WIDTHS = (390, 1366)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _prepare(size):
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from minqing.demo.build import build

    build(size=size)
    from minqing.demo import data as D

    return D.PASSWORD


def _targets():
    """(name, user or None, url) of every page, with real ids from the demo."""
    from django.db.models import Count

    from minqing.cases.models import Case, State
    from minqing.regions.models import Department, Region
    from minqing.web.models import Campaign

    dept = (
        Department.objects.annotate(n=Count("lead_cases")).order_by("-n", "code").first()
    )
    handler = f"h_{dept.code}"
    doing = Case.objects.filter(lead_department=dept, state=State.IN_PROGRESS).first() or Case.objects.filter(
        lead_department=dept).first()
    registered = Case.objects.filter(state=State.REGISTERED).order_by("-registered_at").first()
    handled = Case.objects.filter(state=State.HANDLED).exclude(region=None).first()
    closed = Case.objects.filter(state=State.CLOSED).first()
    village = Region.objects.filter(level="village").order_by("code").first()
    county = Region.objects.filter(level="county").order_by("code").first()
    camp, _ = Campaign.objects.get_or_create(
        slug="plan-2026", defaults={"title": "“十五五”规划建言献策", "description": "您对家乡发展的金点子", "region": county}
    )
    return [
        ("home", None, "/"),
        ("report", None, f"/report/?region={village.code}"),
        ("report-errors", None, "POST-EMPTY /report/"),
        ("report-done", None, "SUBMIT /report/"),
        ("track-handled", None, f"/t/{handled.tracking_code}/" if handled else "/t/"),
        ("track-closed", None, f"/t/{closed.tracking_code}/" if closed else "/t/"),
        ("track-lookup", None, "/t/"),
        ("qr-region", None, f"/qr/region/{village.code}/"),
        ("qr-campaign", None, f"/qr/campaign/{camp.slug}/"),
        ("board", None, "/board/"),
        ("board-county", None, f"/board/{county.code}/"),
        ("login", None, "/login/"),
        ("inbox", "disp_city", "/work/inbox/"),
        ("inbox-open", "disp_city", "/work/inbox/?tab=open"),
        ("intake", "disp_city", "/work/intake/"),
        ("case-dispatcher", "disp_city", f"/case/{registered.pk}/" if registered else "/work/cases/"),
        ("cases", "disp_city", "/work/cases/"),
        ("dept", handler, "/work/dept/?tab=doing"),
        ("case-handler", handler, f"/case/{doing.pk}/"),
        ("visits", "rv_city", "/work/visits/"),
        ("supervise", "sup_city", "/work/supervise/"),
        ("dashboard", "leader_city", "/dashboard/"),
        ("dashboard-county", "leader_city", f"/dashboard/?region={county.code}"),
        ("report-en", None, "EN /report/"),
        ("dashboard-en", "leader_city", "EN /dashboard/"),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--port", type=int, default=8110)
    ap.add_argument("--size", type=int, default=400, help="demo cases to build")
    ap.add_argument("--data", help="data directory (default: a new temporary one)")
    args = ap.parse_args(argv)
    out = Path(args.outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    data = args.data or tempfile.mkdtemp(prefix="minqing-shots-")
    os.environ["MINQING_DATA_DIR"] = data
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop here
    password = _prepare(args.size)
    targets = _targets()

    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", args.port, get_wsgi_application(), server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{args.port}"
    from playwright.sync_api import sync_playwright

    wide, shots = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for width in WIDTHS:
                contexts = {}
                for i, (name, user, url) in enumerate(targets, 1):
                    lang = "en" if url.startswith("EN ") else "zh"
                    key = (user, lang)
                    if key not in contexts:
                        ctx = browser.new_context(viewport={"width": width, "height": 900},
                                                  locale="en-US" if lang == "en" else "zh-CN")
                        if lang == "en":  # the pages follow the person's choice, not the browser's language
                            from django.conf import settings

                            ctx.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
                        page = ctx.new_page()
                        page.set_default_timeout(20000)
                        if user:
                            page.goto(base + "/login/")
                            page.fill("#id_username", user)
                            page.fill("#id_password", password)
                            page.click("main button[type=submit]")
                            page.wait_for_load_state()
                        contexts[key] = page
                    page = contexts[key]
                    if url.startswith("POST-EMPTY "):
                        page.goto(base + url.split(" ", 1)[1])
                        page.click("#report-form button[type=submit]")
                    elif url.startswith("SUBMIT "):
                        page.goto(base + "/report/?region=" + targets[1][2].split("=")[1])
                        page.select_option("#id_category", "water_supply")
                        page.fill("#id_text", "村里三组停水两天了，老人孩子喝水都成问题，请尽快派人来修。")
                        page.fill("#id_reporter_name", "王小明")
                        page.fill("#id_reporter_phone", "13712345678")
                        page.click("#report-form button[type=submit]")
                    else:
                        page.goto(base + url.split(" ", 1)[-1])
                    page.wait_for_load_state("load")
                    page.wait_for_timeout(300 if "dashboard" in name else 50)
                    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    if width == 390 and scroll > inner:
                        wide.append((name, scroll))
                    file = out / f"{i:02d}-{name}-{width}.png"
                    page.screenshot(path=str(file), full_page=True)
                    shots.append(file.name)
                for page in contexts.values():
                    page.context.close()
            browser.close()
    finally:
        server.shutdown()
    rows = "\n".join(f'<figure><img src="{s}" width="{390 if "-390" in s else 683}"><figcaption>{s}</figcaption></figure>'
                     for s in sorted(shots))
    (out / "index.html").write_text(f"<!doctype html><meta charset=utf-8><title>minqing screenshots</title>"
                                    f"<style>figure{{display:inline-block;vertical-align:top;margin:8px}}</style>{rows}")
    print(f"{len(shots)} screenshots in {out} (data: {data})")
    if wide:
        print("pages wider than the phone:", ", ".join(f"{n} ({w}px)" for n, w in wide))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
