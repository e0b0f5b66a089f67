#!/usr/bin/env bash
# Run every benchmark and print one table. Results: bench/out/*.json (git-ignored).
#   bench/run.sh            SQLite and PostgreSQL (PostgreSQL from scripts/postgres.sh)
#   bench/run.sh --sqlite   SQLite only
# The 1,000,000-case fixtures are generated on the first run (several minutes each) and reused.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
dbs=(sqlite postgres)
[ "${1:-}" = "--sqlite" ] && dbs=(sqlite)
status=0
for db in "${dbs[@]}"; do
  echo "== registration, in process ($db)"; $PY bench/register.py --db "$db" || status=1
done
echo "== registration over HTTP (minqing serve, 2 workers, SQLite, port 8102)"; $PY bench/register_http.py || status=1
echo "== login CPU, PBKDF2 vs Argon2"; $PY bench/login.py || status=1
for db in "${dbs[@]}"; do
  echo "== stats over 1,000,000 cases ($db)"; $PY bench/stats_1m.py --db "$db" || status=1
  echo "== sweep over 1,000,000 open cases ($db)"; $PY bench/sweep_1m.py --db "$db" || status=1
done
echo
$PY bench/report.py
exit $status
