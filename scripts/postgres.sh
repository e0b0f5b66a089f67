#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with a database for minqing,
# installing Debian's postgresql and starting it on loopback if none runs.
# Prints the MINQING_DATABASE_URL to use on its last line.
#   scripts/postgres.sh          postgres://minqing:PASSWORD@127.0.0.1:5432/minqing
#   scripts/postgres.sh --test   the same server, database minqing_<hash of this checkout's path>:
#                                the test suite's database (pytest-django: test_minqing_<hash>) is then
#                                this checkout's own, never shared with another checkout on the machine.
# The role minqing gets a generated password, kept 0600 in ~/.config/minqing/pg-password-PORT (one per
# server, so every checkout of this user on the machine reads the same one) and set on every run
# (ALTER ROLE), which also replaces the fixed password 'minqing' of older installs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGHOST=127.0.0.1 PGPORT=${PGPORT:-5432}
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

pwfile=${MINQING_PG_PASSWORD_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/minqing/pg-password-$PGPORT}
if [ ! -s "$pwfile" ]; then
  mkdir -p "$(dirname "$pwfile")"
  (umask 077; od -An -tx1 -N18 /dev/urandom | tr -d ' \n' > "$pwfile")
fi
chmod 600 "$pwfile"
PW=$(cat "$pwfile")
case "$PW" in *[!0-9a-f]*|"") echo "error: $pwfile does not hold a generated password" >&2; exit 1 ;; esac
DBNAME=minqing
if [ $want_test = 1 ]; then
  DBNAME="minqing_$(printf %s "$ROOT" | sha256sum | cut -c1-10)"
fi
URL="postgres://minqing:$PW@127.0.0.1:$PGPORT/$DBNAME"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi
}
psql_admin() {
  # trust on loopback (CI, this machine) or the postgres OS user over the local socket
  psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -tAc "$1" 2>/dev/null || as_postgres "psql -p $PGPORT -d postgres -tAc \"$1\""
}

if ! pg_isready -h $PGHOST -p "$PGPORT" -q 2>/dev/null; then
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "installing PostgreSQL from Debian's packages…" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  fi
  ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if ! ls /etc/postgresql/"$ver"/main >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO pg_createcluster "$ver" main -- --auth-local=peer --auth-host=scram-sha-256 >&2
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || $SUDO pg_ctlcluster "$ver" main start >&2
  for _ in $(seq 1 30); do pg_isready -h $PGHOST -p "$PGPORT" -q && break; sleep 1; done
fi

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='minqing'")" != "1" ]; then
  psql_admin "CREATE ROLE minqing LOGIN CREATEDB" >/dev/null
fi
# The password through psql's standard input, never on a command line (ps would show it).
sql="ALTER ROLE minqing PASSWORD '$PW'"
printf '%s\n' "$sql" | psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null 2>&1 \
  || printf '%s\n' "$sql" | as_postgres "psql -q -p $PGPORT -d postgres" >/dev/null
for db in minqing $DBNAME; do
  if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='$db'")" != "1" ]; then
    psql_admin "CREATE DATABASE $db OWNER minqing" >/dev/null
  fi
done
echo "$URL"
