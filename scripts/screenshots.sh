#!/usr/bin/env bash
# Screenshots of every page at 390 px and 1366 px:  scripts/screenshots.sh [OUTDIR]  (default ./screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m minqing.web.screenshots "${1:-screenshots}" "${@:2}"
