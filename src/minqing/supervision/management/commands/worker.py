from django.core.management.base import BaseCommand, CommandError

from minqing.supervision.worker import run


class Command(BaseCommand):
    help = "Run the background jobs (deadline sweep, webhooks, …) on their schedules until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument("--threads", type=int, default=2, help="jobs run at once in this worker (default 2)")
        parser.add_argument("--parent-pid", type=int, default=None, help="stop when this process is gone")

    def handle(self, *args, **opts):
        if not 1 <= opts["threads"] <= 32:
            raise CommandError("--threads must be between 1 and 32")
        from minqing import tasks

        self.stdout.write(f"minqing worker started ({tasks.backend_name()} queue)")
        self.stdout.flush()
        run(once=opts["once"], stdout=self.stdout, threads=opts["threads"], parent_pid=opts["parent_pid"])
