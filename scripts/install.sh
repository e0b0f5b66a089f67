#!/usr/bin/env bash
# Install minqing and everything it needs into ./.venv (idempotent).
#   scripts/install.sh          the app
#   scripts/install.sh --test   the app and the test tools (pytest, Playwright's driver, Debian's chromium;
#                               Debian's wrk for the HTTP benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.minqing-installed
sum=$(cat pyproject.toml | sha256sum | cut -c1-16)-$want_test
apt_install() {
  # Debian packages, as root or through sudo; quiet unless it fails.
  export DEBIAN_FRONTEND=noninteractive
  local SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || return 1
    SUDO=sudo
  fi
  $SUDO apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "$@" >/dev/null; }
}

pip_ignored=0
pip_quiet() {
  # pip with its own noise kept down: a machine-wide pip configuration naming index
  # directories that do not exist makes pip print "Location … is ignored" once per package;
  # those lines are counted (summed up once at the end), every other message is shown as pip wrote it.
  local log rc=0 n
  log=$(mktemp)
  .venv/bin/python -m pip "$@" 2>"$log" || rc=$?
  n=$(grep -c "^WARNING: Location '.*' is ignored" "$log" || true)
  pip_ignored=$((pip_ignored + n))
  grep -v "^WARNING: Location '.*' is ignored" "$log" >&2 || true
  rm -f "$log"
  return $rc
}

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  echo "installing minqing and its Python packages into .venv …" >&2
  pip_quiet install --quiet --upgrade pip
  if [ $want_test = 1 ]; then
    pip_quiet install --quiet -e ".[test]"
  else
    pip_quiet install --quiet -e .
  fi
  echo "$sum" > "$stamp"
  if [ "$pip_ignored" -gt 0 ]; then
    echo "(pip: $pip_ignored \"Location … is ignored\" warnings of this machine's pip configuration not shown; see pip config list)" >&2
  fi
fi

# The pages' browser assets (htmx, ECharts) from the npm registry into the web app's static files;
# npm (and Node) from Debian's packages when missing, as for Chromium below. frontend/install.sh
# does nothing when the copied assets match the lock file, so npm is only needed the first time.
if ! command -v npm >/dev/null && ! frontend/install.sh --check 2>/dev/null; then
  echo "installing Node.js and npm from Debian's packages (the pages' htmx and ECharts come from npm) …" >&2
  apt_install nodejs npm || { echo "error: npm is missing and could not be installed (apt-get install nodejs npm)" >&2; exit 1; }
fi
frontend/install.sh

if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then
  # `minqing backup` / `minqing restore` of a PostgreSQL database run pg_dump / pg_restore.
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq postgresql-client >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; } \
      || echo "warning: could not install postgresql-client; backup/restore of PostgreSQL will fail" >&2
  elif command -v sudo >/dev/null; then
    sudo apt-get install -y -qq postgresql-client >/dev/null 2>&1 \
      || echo "warning: could not install postgresql-client" >&2
  else
    echo "warning: pg_dump is missing (not root); backup/restore of PostgreSQL will fail" >&2
  fi
fi

if [ $want_test = 1 ] && [ ! -x /usr/bin/chromium ]; then
  # Page tests drive Debian's Chromium; never a downloaded browser.
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium is missing and cannot be installed (not root); page tests will fail" >&2
  fi
fi

if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK\|Noto Serif CJK"; then
  # The reports' PDF (WeasyPrint, through Pango) and charts (matplotlib) need a CJK font, and
  # WeasyPrint needs Pango: Debian's fonts-noto-cjk and libpango (minqing/reports/).
  apt_install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
    || echo "warning: could not install fonts-noto-cjk; the reports' PDF and charts will show boxes for Chinese" >&2
fi

if [ $want_test = 1 ] && [ "$(id -u)" = 0 ] && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  # A Chinese font, so that Chromium's screenshots of the pages show the characters (scripts/screenshots.sh).
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null; } \
    || echo "warning: could not install a Chinese font; screenshots will show boxes" >&2
fi

if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" || ! ldconfig -p 2>/dev/null | grep -q libpangoft2; then
  # The PDFs (the 金点子 campaign poster, reports) through WeasyPrint: Pango and a CJK font, Debian's
  # fonts-noto-cjk (without it the PDFs fall back to WenQuanYi if installed, else show boxes).
  apt_install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
    || echo "warning: could not install fonts-noto-cjk and Pango; the PDF posters need them" >&2
fi

if [ $want_test = 1 ] && [ "$(id -u)" = 0 ] && ! command -v nginx >/dev/null; then
  # tests/test_deploy_files.py checks deploy/nginx/minqing.conf with a real nginx (and openssl for its certificate)
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq nginx-light openssl >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq nginx-light openssl >/dev/null 2>&1; } \
    || echo "warning: could not install nginx; the nginx tests of deploy/ will be skipped" >&2
fi

if [ $want_test = 1 ] && ! command -v wrk >/dev/null; then
  # The HTTP benchmark's load generator (bench/register_http.py; without it bench/loadgen.py,
  # a Python asyncio client, stands in). Benchmarks only: never fatal.
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
      || echo "warning: could not install wrk; bench/register_http.py will use bench/loadgen.py" >&2
  elif command -v sudo >/dev/null; then
    sudo apt-get install -y -qq wrk >/dev/null 2>&1 || echo "warning: could not install wrk" >&2
  fi
fi
