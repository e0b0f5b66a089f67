"""Streaming exports of 100,000 cases (issue 6): time to the first byte and in total,
CSV and XLSX, through the API in process (Django test client, token auth).

    .venv/bin/python bench/intake_exports.py [--rows 100000]

The cases come from the hotline import of bench/intake_import.py (same generator),
so they carry real lifecycles. Peak memory is the process's maximum RSS growth.
"""

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from common import OUT, arg_int, row, save, setup_django  # noqa: E402


def main():
    n = arg_int("rows", 100_000)
    setup_django("sqlite", "intake_exports")
    import intake_import as gen
    from django.contrib.auth import get_user_model
    from django.test import Client

    from minqing.intake.importers import import_cases
    from minqing.people.models import ApiToken, Membership

    villages = gen.build_world()
    path = OUT / "intake_exports.csv"
    gen.write_csv(path, gen.rows(n, villages))
    import_cases(path)
    user = get_user_model().objects.create_user("exporter", is_superuser=False)
    Membership.objects.create(user=user, role="dispatcher", region=villages[0].parent.parent)
    token = ApiToken.issue(user, "bench")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    results = []
    for fmt in ("csv", "xlsx"):
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        resp = client.get(f"/api/v1/exports/cases.{fmt}")
        it = iter(resp.streaming_content)
        first = next(it)
        t_first = time.perf_counter() - t
        size = len(first) + sum(len(chunk) for chunk in it)
        total = time.perf_counter() - t
        rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
        results.append(row("exports", "sqlite", f"{n:,} cases as {fmt.upper()}: first byte", t_first, "s"))
        results.append(row("exports", "sqlite", f"{n:,} cases as {fmt.upper()}: whole file", total, "s",
                           note=f"{size / 1e6:.1f} MB, max RSS growth {rss:.0f} MB"))
    save("intake_exports", results)


if __name__ == "__main__":
    main()
