"""Print every result in bench/out/*.json as one table (written by the bench scripts)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ORDER = ["register-sqlite", "register-postgres", "register-http-sqlite", "stats-sqlite", "stats-postgres",
         "sweep-sqlite", "sweep-postgres"]


def main():
    files = {p.stem: p for p in common.OUT.glob("*.json")}
    names = [n for n in ORDER if n in files]  # other benches in bench/out/ write their own formats
    missed = 0
    print(f"{'bench':<10} {'db':<8} {'what':<42} {'value':>12}  {'baseline (same run)':<34} {'ratio':>7}  target")
    for name in names:
        data = json.loads(files[name].read_text())
        for r in data["rows"]:
            print(common.fmt_row(r))
            missed += r["ok"] is False
        info = data["info"]
        print(f"{'':<10} {'':<8} ({name}: {info['at']}, load average {info['load'][0]:.1f} on {info['cpus']} cpus)")
    print(f"\n{missed} target(s) missed" if missed else "\nevery target met")


if __name__ == "__main__":
    main()
