#!/usr/bin/env bash
# The whole test suite: installs what the tests need, then runs
#   1. the default suite on SQLite (unit, property, API over HTTP, pages in headless Chromium)
#   2. the suites marked slow, if any
#   3. the same suite on PostgreSQL (started by scripts/postgres.sh if none runs)
# Exits non-zero on any failure.  Options: --quick (SQLite default suite only); extra args go to pytest.
set -uo pipefail
cd "$(dirname "$0")"
scripts/install.sh --test || exit 1
export MINQING_DATA_DIR="$PWD/data/test"
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider)
status=0

echo "== house rules: ruff check (src, tests, bench) and the import contracts (pyproject.toml)"
.venv/bin/ruff check src tests bench || status=1
PYTHONPATH=src .venv/bin/lint-imports || status=1

echo "== SQLite: default suite (two processes: each has its own test database file)"
"${PYTEST[@]}" -n 2 -m "not slow" "$@" || status=1

if [ $quick = 0 ]; then
  # Slow suites first (when any test is marked slow), so the last runner's summary is a full suite's.
  # (collected into a variable first: `| grep -q` would close the pipe early, and with pipefail the
  # collector's SIGPIPE made the test false, so the slow suites never ran)
  slow=$("${PYTEST[@]}" -m slow --collect-only -q "$@" 2>/dev/null || true)
  if grep -q "::" <<<"$slow"; then
    echo "== slow suites"
    "${PYTEST[@]}" -m slow "$@" || status=1
  fi
  echo "== PostgreSQL: default suite"
  # this checkout's own database (minqing_<hash of its path>): two checkouts never share a test database
  if url=$(scripts/postgres.sh --test | tail -1); then
    MINQING_DATABASE_URL="$url" "${PYTEST[@]}" -m "not slow and not browser" "$@" || status=1
  else
    echo "could not start PostgreSQL" >&2; status=1
  fi
fi
exit $status
