import argparse
import multiprocessing

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve minqing with the production server (gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=min(2, multiprocessing.cpu_count()) or 1)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
        parser.add_argument("--worker-started", action="store_true", help=argparse.SUPPRESS)  # by minqing demo

    def handle(self, *args, **opts):
        from gunicorn.app.base import BaseApplication

        from minqing.wsgi import application

        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)

        options = {
            "bind": f"{opts['host']}:{opts['port']}",
            "workers": opts["workers"],
            "threads": opts["threads"],
            # gthread: the worker's main thread keeps beating while a request streams, so a
            # long export is never killed by the timeout (a sync worker would be after 120 s).
            "worker_class": "gthread",
            "accesslog": None,
            "timeout": 120,
            "graceful_timeout": 10,
        }

        class App(BaseApplication):
            def load_config(self):
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self):
                return application

        self.stdout.write(f"minqing serving on http://{opts['host']}:{opts['port']}/ ({opts['workers']} workers)")
        if not opts["worker_started"]:
            self.stdout.write("the background jobs (deadline sweep, webhooks, notices, index) are not part of "
                              "the server: start them beside it with `minqing worker`")
        App().run()
