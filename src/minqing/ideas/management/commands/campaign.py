import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from minqing.ideas import digest, figures, poster
from minqing.ideas.models import Campaign


class Command(BaseCommand):
    help = ("a 金点子 campaign: its figures (JSON), its digest (摘编) as DOCX or XLSX, its A4 poster (PDF); "
            "without a slug, the list of campaigns.")

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="the campaign's slug")
        parser.add_argument("--digest", choices=["docx", "xlsx"], help="write the digest in this format to --out")
        parser.add_argument("--poster", action="store_true", help="write the A4 poster (PDF) to --out")
        parser.add_argument("--base-url", default="", help="the site's address for the poster's QR code "
                                                           "(default: the first of MINQING_PUBLIC_URL / ALLOWED_HOSTS)")
        parser.add_argument("--out", help="output file")

    def handle(self, *args, slug=None, **o):
        if not slug:
            for c in Campaign.objects.select_related("region").order_by("-created_at"):
                self.stdout.write(f"{c.slug}\t{c.title}\t{c.region.name if c.region_id else ''}\t"
                                  f"{c.starts or ''}..{c.ends or ''}\t{c.links.count()}")
            return
        c = Campaign.objects.filter(slug=slug).first()
        if c is None:
            raise CommandError(f"no campaign {slug!r}")
        if (o["digest"] or o["poster"]) and not o["out"]:
            raise CommandError("--out FILE is needed with --digest or --poster")
        if o["digest"] == "docx":
            data = digest.docx_bytes(digest.build(c))
        elif o["digest"] == "xlsx":
            from minqing.intake import exports

            data = b"".join(exports.response("xlsx", "digest", digest.xlsx_sheets(digest.build(c))).streaming_content)
        elif o["poster"]:
            base = o["base_url"] or getattr(settings, "MINQING_PUBLIC_URL", "") or (
                "https://" + next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost"))
            data = poster.poster_pdf(c, base.rstrip("/") + poster.submit_path(c))
        else:
            self.stdout.write(json.dumps(figures.campaign_figures(c), ensure_ascii=False, indent=1))
            return
        with open(o["out"], "wb") as fh:
            fh.write(data)
        self.stderr.write(f"{o['out']}: {len(data)} bytes")
