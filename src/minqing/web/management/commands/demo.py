from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

ROLE_LABELS = {
    "admin": "管理员 admin",
    "dispatcher": "调度员 dispatcher",
    "supervisor": "督办员 supervisor",
    "leader": "领导 leader",
    "return_visitor": "回访员 return visitor",
    "cadre": "干部/网格员 cadre",
    "handler": "承办人 handler",
    "surveyor": "测评员 surveyor",
}


class Command(BaseCommand):
    help = "Build the demo region (once) and serve it: minqing demo [--no-serve] [--size N]"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="build the demo, then exit")
        parser.add_argument("--size", type=int, default=3000, help="number of cases (default 3000)")
        parser.add_argument("--seed", type=int, default=20261124)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **opts):
        from minqing.demo import DemoError, build, issue_token

        call_command("migrate", interactive=False, verbosity=0)
        out = self.stdout
        out.write("建立演示数据 / building the demo region …")
        from minqing.progress import terminal

        try:
            with terminal("演示案件 / demo cases", out) as progress:
                demo = build(opts["size"], seed=opts["seed"], log=lambda m: out.write("  " + m), progress=progress)
        except DemoError as e:
            raise CommandError(str(e)) from None
        if demo.created:
            out.write(f"演示数据已建立 / demo built in {demo.seconds:.1f} s: {demo.cases} cases")
            out.write(f"  deadline sweep: {demo.sweep}")
            token = demo.token
        else:
            out.write(f"演示数据已存在，未重复建立 / the demo is already there ({demo.cases} cases); nothing added")
            token = issue_token()
        out.write("  states: " + ", ".join(f"{k} {v}" for k, v in sorted(demo.states.items())))
        self._people(demo.users)
        out.write("")
        out.write("所有演示用户的密码 / password of every demo user: demo12345")
        out.write(f"API token (user disp_city, 株洲市调度员): {token}")
        out.write('  curl -H "Authorization: Bearer TOKEN" http://%s:%s/api/v1/cases' % (opts["host"], opts["port"]))
        if opts["no_serve"]:
            return
        out.write(f"\n打开 / open http://{opts['host']}:{opts['port']}/")
        worker = self._start_worker()
        try:
            call_command("serve", host=opts["host"], port=opts["port"], no_migrate=True, worker_started=True)
        finally:
            self._stop_worker(worker)

    def _start_worker(self):
        """The background jobs (sweep, webhooks, index, warm-up) in a child process beside
        the server; it stops with the server (and by itself if this process dies)."""
        import os
        import subprocess
        import sys

        cmd = [sys.executable, "-m", "minqing", "worker", "--parent-pid", str(os.getpid())]
        worker = subprocess.Popen(cmd)
        self.stdout.write(f"worker started (pid {worker.pid}): deadline sweep, webhooks, notices, index")
        self.stdout.flush()
        return worker

    def _stop_worker(self, worker):
        import signal
        import subprocess

        if worker.poll() is not None:
            return
        worker.send_signal(signal.SIGINT)  # finish the running job, then stop
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def _people(self, users):
        by_role = {}
        for username, role, scope in users:
            by_role.setdefault(role, []).append(f"{username}（{scope}）")
        self.stdout.write("演示用户 / demo users:")
        for role in ROLE_LABELS:
            names = by_role.get(role, [])
            if not names:
                continue
            shown = "、".join(names[:6]) + (f" … 共{len(names)}人" if len(names) > 6 else "")
            self.stdout.write(f"  {ROLE_LABELS[role]}: {shown}")
