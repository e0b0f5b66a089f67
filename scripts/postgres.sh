#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with a database for minqing,
# installing Debian's postgresql and starting it on loopback if none runs.
# Prints the MINQING_DATABASE_URL to use on its last line.
set -euo pipefail
PGHOST=127.0.0.1 PGPORT=${PGPORT:-5432}
URL="postgres://minqing:minqing@127.0.0.1:$PGPORT/minqing"

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
  psql_admin "CREATE ROLE minqing LOGIN PASSWORD 'minqing' CREATEDB" >/dev/null
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='minqing'")" != "1" ]; then
  psql_admin "CREATE DATABASE minqing OWNER minqing" >/dev/null
fi
echo "$URL"
