"""Registration throughput through HTTP: `minqing serve` (gunicorn gthread, 2 workers ×
2 threads, its defaults) on 127.0.0.1:8102 against a fresh SQLite data directory, with
concurrent POST /api/v1/cases from a separate load-generator process:

- `wrk` (Debian's package; scripts/install.sh --test installs it) with bench/register.lua,
  16 connections on 2 threads, for --seconds; it costs ~0.1 ms of CPU per request;
- or, where wrk is missing (or with --loadgen python), bench/loadgen.py (Python asyncio,
  16 keep-alive connections, --n requests).

Every registration is a real one (validation, tracking code, event, outbox and insights
rows, its own transaction committed before the 201); the database is counted afterwards.

Baseline in the same run: the in-process actions-layer rate measured by the same process
right before the HTTP run (registrations without HTTP), so the ratio is the cost of the
HTTP stack. Also reported: server and load-generator CPU per registration, and how much
of the machine other processes used meanwhile (the cores are shared).

Target: at least 500 registrations per second.

    .venv/bin/python bench/register_http.py [--seconds 10] [--n 3000] [--concurrency 16]
        [--workers 2] [--threads 2] [--loadgen auto|wrk|python]
"""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

N = common.arg_int("n", 3000)
CONC = common.arg_int("concurrency", 16)
WORKERS = common.arg_int("workers", 2)
THREADS = common.arg_int("threads", 2)
SECONDS = common.arg_int("seconds", 10)
LOADGEN = sys.argv[sys.argv.index("--loadgen") + 1] if "--loadgen" in sys.argv else "auto"
assert LOADGEN in ("auto", "wrk", "python"), "--loadgen auto|wrk|python"
WRK = shutil.which("wrk") if LOADGEN in ("auto", "wrk") else None
if LOADGEN == "wrk" and not WRK:
    raise SystemExit("wrk is not installed (scripts/install.sh --test installs it)")
PORT = common.arg_int("port", 8102)
assert 8102 <= PORT <= 8109, "bench ports are 8102-8109"

env = common.setup_django("sqlite", "http", fresh=True)

from minqing.cases import actions  # noqa: E402
from minqing.cases.models import Case  # noqa: E402
from minqing.people.models import ApiToken  # noqa: E402


def world():
    from minqing.people.scoping import Actor

    v, _t, user = common.township_world("bench_http")
    return v, Actor.for_user(user), ApiToken.issue(user, "bench")[1]


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"server did not start on {port}")


def tree_cpu(pid):
    """CPU seconds (user + system) used so far by a process and all its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, cpu = {}, {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(d.name)] = int(fields[1])
            cpu[int(d.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        frontier = [p for p, pp in parent.items() if pp in frontier and p not in tree]
        tree.update(frontier)
    return sum(cpu.get(p, 0) for p in tree)


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / tick, sum(fields) / tick


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def load(url, token, region, *, warm_up=False):
    """One load-generator run; its JSON result (ok, errors, seconds, rate, p50, p99)."""
    if WRK:
        seconds = 2 if warm_up else SECONDS
        cmd = [WRK, "-t2", f"-c{CONC}", f"-d{seconds}s", "--timeout", "30s",
               "-s", str(Path(__file__).with_name("register.lua")), url, "--", token, region]
    else:
        n = 200 if warm_up else N
        cmd = [sys.executable, str(Path(__file__).with_name("loadgen.py")), url, token, region,
               "--n", str(n), "--concurrency", str(CONC)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def in_process_rate(village, actor, n=1000):
    t = time.perf_counter()
    c = time.process_time()
    for i in range(n):
        actions.register(actor, text=f"朱亭村三组停水两天了（进程内第{i}件）", channel="hotline", kind="complaint",
                         category="water_supply", region=village.code, address="渌口区朱亭镇朱亭村",
                         reporter_name="王建国", reporter_phone="13812345678")
    return n / (time.perf_counter() - t), (time.process_time() - c) / n


def main():
    village, actor, token = world()
    base, base_cpu = in_process_rate(village, actor)
    from django.db import connections

    connections.close_all()
    minqing = str(common.ROOT / ".venv" / "bin" / "minqing")
    server = subprocess.Popen(
        [minqing, "serve", "--host", "127.0.0.1", "--port", str(PORT), "--workers", str(WORKERS),
         "--threads", str(THREADS), "--no-migrate"],
        env={**os.environ, **env}, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_port(PORT)
        url = f"http://127.0.0.1:{PORT}"
        load(url, token, village.code, warm_up=True)
        time.sleep(0.5)  # the warm-up's last answers
        before = Case.objects.count()
        connections.close_all()
        server_cpu, client_cpu, machine = tree_cpu(server.pid), children_cpu(), machine_cpu()
        result = load(url, token, village.code)
        server_cpu = tree_cpu(server.pid) - server_cpu
        # loadgen.py counts its own CPU without its interpreter's start-up; wrk's start-up is nil
        client_cpu = result.get("cpu_seconds", children_cpu() - client_cpu)
        machine = [b - a for a, b in zip(machine, machine_cpu())]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    created = Case.objects.count() - before
    print(f"  {result}")
    ok = max(1, result["ok"])
    if WRK:  # a timed run: wrk drops the answers still in flight when its time is up
        assert result["ok"] <= created <= result["ok"] + CONC, f"{created} cases in the database, {result['ok']} 201 answers"
    else:
        assert created == result["ok"], f"{created} cases in the database, {result['ok']} 201 answers"
    others = max(0.0, machine[0] - server_cpu - client_cpu) / machine[1] if machine[1] else 0.0
    gen = "wrk (C, 2 threads)" if WRK else "loadgen.py (Python asyncio)"
    note = (f"{WORKERS} workers × {THREADS} threads, {CONC} clients from {gen}, p50 {result['p50'] * 1000:.1f} ms, "
            f"p99 {result['p99'] * 1000:.1f} ms, errors {result['errors'] or 0}; "
            f"other processes used {others:.0%} of the machine meanwhile")
    server_cpu /= ok
    client_cpu /= ok
    cores = os.cpu_count()
    rows = [
        common.row("http", "sqlite", "POST /api/v1/cases, registrations/s", result["rate"], "/s", base,
                   "actions, in-process", target=500, note=note),
        # CPU cost per registration does not depend on how busy the machine is: it says what the
        # machine's cores could carry if they were ours alone (server and load generator together)
        common.row("http", "sqlite", "server CPU per registration", server_cpu * 1000, "ms", base_cpu * 1000,
                   "actions in-process CPU", higher_is_better=False,
                   note=f"load generator ({'wrk' if WRK else 'loadgen.py'}) CPU {client_cpu * 1000:.2f} ms per request"),
        common.row("http", "sqlite", f"CPU-bound capacity on {cores} idle cores", cores / (server_cpu + client_cpu), "/s",
                   target=500, note="cores ÷ (server + load generator CPU per registration): an estimate, not a run"),
    ]
    common.save("register-http-sqlite", rows)
    print(f"  {result['rate']:.0f} registrations/s; " + note + f"; server CPU {server_cpu * 1000:.2f} ms, client CPU {client_cpu * 1000:.2f} ms per request")


if __name__ == "__main__":
    main()
