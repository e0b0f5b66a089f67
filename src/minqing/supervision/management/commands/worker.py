from django.core.management.base import BaseCommand

from minqing.supervision.worker import run


class Command(BaseCommand):
    help = "Run the background jobs (deadline sweep, …) on their schedules until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, **opts):
        self.stdout.write("minqing worker started")
        run(once=opts["once"], stdout=self.stdout)
