import json

from django.core.management.base import BaseCommand, CommandError

from minqing.supervision.sweep import sweep


class Command(BaseCommand):
    help = "Raise alert levels of open cases, record overdue events, notify owners and supervisors."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="sweep as of this date (YYYY-MM-DD), default today")

    def handle(self, *args, **opts):
        import datetime as dt

        day = None
        if opts["date"]:
            try:
                day = dt.date.fromisoformat(opts["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        self.stdout.write(json.dumps(sweep(day), ensure_ascii=False))
