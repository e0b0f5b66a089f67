"""minqing report --period week|month|quarter|year --region CODE [--date D] --format docx|pdf|xlsx --out FILE"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from minqing.progress import terminal
from minqing.regions.models import Region
from minqing.reports import periods
from minqing.reports.render import FORMATS, Document


class Command(BaseCommand):
    help = "五个一 report (周报/月报/季度通报/年报) of a region as DOCX, PDF or XLSX"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, choices=periods.PERIODS)
        parser.add_argument("--region", required=True, help="the region's code")
        parser.add_argument("--date", help="a day in the period, YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=FORMATS, help="default: from the file name's suffix")
        parser.add_argument("--out", required=True, help="the file to write")

    def handle(self, *args, **o):
        region = Region.objects.filter(code=o["region"]).first()
        if region is None:
            raise CommandError(f"unknown region: {o['region']}")
        try:
            day = dt.date.fromisoformat(o["date"]) if o["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        out = Path(o["out"])
        fmt = o["format"] or out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError("--format must be docx, pdf or xlsx (or give --out a .docx/.pdf/.xlsx name)")
        w = periods.window(o["period"], day)
        with terminal(f"report {w.label}", self.stdout) as progress:
            doc = Document(region, w)
            progress(1, 2)
            data = doc.render(fmt)
            progress(2, 2)
        out.write_bytes(data)
        self.stdout.write(f"{out}: {doc.title}{doc.subtitle}, {len(data)} bytes")
