"""A load generator process: N concurrent POST /api/v1/cases with a bearer token.

    python bench/loadgen.py URL TOKEN REGION --n 3000 --concurrency 16

Prints one JSON line: successes, errors (by status), seconds, rate, latency percentiles.
Loopback only; the count is bounded by --n.
"""

import json
import sys
import threading
import time
from urllib.parse import urlparse

import httpx


def main():
    url, token, region = sys.argv[1:4]
    args = sys.argv[4:]
    n = int(args[args.index("--n") + 1]) if "--n" in args else 3000
    conc = int(args[args.index("--concurrency") + 1]) if "--concurrency" in args else 16
    if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    counter = iter(range(n))
    lock = threading.Lock()
    lat, errors = [], {}
    headers = {"Authorization": f"Bearer {token}"}

    def worker():
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                body = {"text": f"朱亭村三组停水两天了，老人孩子喝水都成问题（第{i}件）", "channel": "hotline",
                        "kind": "complaint", "category": "water_supply", "region": region,
                        "address": "渌口区朱亭镇朱亭村", "reporter_name": "王建国", "reporter_phone": "13812345678"}
                t = time.perf_counter()
                try:
                    r = client.post("/api/v1/cases", json=body)
                    status = r.status_code
                except httpx.HTTPError as e:
                    status = type(e).__name__
                dt = time.perf_counter() - t
                with lock:
                    if status == 201:
                        lat.append(dt)
                    else:
                        errors[str(status)] = errors.get(str(status), 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    start = time.perf_counter()
    cpu = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else None

    print(json.dumps({"ok": len(lat), "errors": errors, "seconds": seconds, "rate": len(lat) / seconds,
                      "p50": pct(0.5), "p99": pct(0.99), "concurrency": conc,
                      "cpu_seconds": cpu}))


if __name__ == "__main__":
    main()
