"""A load generator process: N concurrent POST /api/v1/cases with a bearer token.

    python bench/loadgen.py URL TOKEN REGION --n 3000 --concurrency 16

bench/register_http.py uses it where wrk is not installed. One asyncio loop, one
keep-alive HTTP/1.1 connection per client, requests written and answers read by hand
(status line, headers, Content-Length body): ~0.1 ms of CPU per request, where an httpx
client per thread took ~0.9 ms of the same 2 cores the server runs on.

Prints one JSON line: successes, errors (by status), seconds, rate, latency percentiles,
the process's CPU seconds. Loopback only; the count is bounded by --n.
"""

import asyncio
import json
import sys
import time
from urllib.parse import urlparse


async def run(url, token, region, n, conc):
    u = urlparse(url)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    host, port = u.hostname, u.port or 80
    counter = iter(range(n))
    lat, errors = [], {}
    head = (f"POST /api/v1/cases HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n")

    def error(kind):
        errors[kind] = errors.get(kind, 0) + 1

    async def client():
        conn = None
        for i in counter:
            body = json.dumps({"text": f"朱亭村三组停水两天了，老人孩子喝水都成问题（第{i}件）", "channel": "hotline",
                               "kind": "complaint", "category": "water_supply", "region": region,
                               "address": "渌口区朱亭镇朱亭村", "reporter_name": "王建国",
                               "reporter_phone": "13812345678"}, ensure_ascii=False).encode()
            t = time.perf_counter()
            try:
                if conn is None:
                    conn = await asyncio.open_connection(host, port)
                reader, writer = conn
                writer.write(head.format(len(body)).encode() + body)
                status = int((await reader.readline()).split(b" ", 2)[1])
                length, close = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"connection" and value.strip().lower() == b"close":
                        close = True
                await reader.readexactly(length)
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as e:
                error(type(e).__name__)
                conn = None
                continue
            dt = time.perf_counter() - t
            if status == 201:
                lat.append(dt)
            else:
                error(str(status))
            if close:
                conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    await asyncio.gather(*(client() for _ in range(conc)))
    return lat, errors


def main():
    url, token, region = sys.argv[1:4]
    args = sys.argv[4:]
    n = int(args[args.index("--n") + 1]) if "--n" in args else 3000
    conc = int(args[args.index("--concurrency") + 1]) if "--concurrency" in args else 16
    start = time.perf_counter()
    cpu = time.process_time()
    lat, errors = asyncio.run(run(url, token, region, n, conc))
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else None

    print(json.dumps({"ok": len(lat), "errors": errors, "seconds": seconds, "rate": len(lat) / seconds,
                      "p50": pct(0.5), "p99": pct(0.99), "concurrency": conc, "cpu_seconds": cpu}))


if __name__ == "__main__":
    main()
