#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS for the tests: `scripts/postgis.sh start` initdb's a fresh
# data directory under .tmp/ (one per start, so parallel runs do not collide), starts the server
# on a free loopback port, creates the database with the postgis extension and prints
# `export ZONASI_TEST_DATABASE_URL=... ZONASI_PG_DIR=...` (eval it); `scripts/postgis.sh stop`
# stops the server of $ZONASI_PG_DIR and removes that directory. As root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root).
#
#   eval "$(scripts/postgis.sh start)"; .venv/bin/python -m pytest; scripts/postgis.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
DB=zonasi_test

pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) ""; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return; }
  done
  command -v "$1" || { echo "scripts/postgis.sh: $1 not found; install postgresql and postgresql-15-postgis-3" >&2; exit 1; }
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  mkdir -p .tmp
  ROOT=$(mktemp -d "$PWD/.tmp/postgis-XXXXXX")
  DATA="$ROOT/data"
  chmod 755 "$ROOT"
  trap 'cat "$ROOT"/*.log >&2 2>/dev/null; ZONASI_PG_DIR="$ROOT" stop; exit 1' ERR
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$ROOT"
    # the postgres user must be able to reach the directory
    d="$ROOT"; while [ "$d" != / ]; do d=$(dirname "$d"); chmod o+x "$d" 2>/dev/null || true; done
  fi
  local port user
  port=$(free_port)
  user=$([ "$(id -u)" = 0 ] && echo postgres || id -un)
  as_pg "$(pg_bin initdb)" -D "$DATA" -U "$user" --auth=trust -E UTF8 --no-locale >"$ROOT/initdb.log" 2>&1
  as_pg "$(pg_bin pg_ctl)" -D "$DATA" -l "$ROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  as_pg "$(pg_bin createdb)" -h 127.0.0.1 -p "$port" -U "$user" "$DB"
  as_pg "$(pg_bin psql)" -q -h 127.0.0.1 -p "$port" -U "$user" -d "$DB" -c "CREATE EXTENSION postgis" >/dev/null
  echo "$port" >"$ROOT/port"
  echo "$user" >"$ROOT/user"
  trap - ERR
  echo "export ZONASI_TEST_DATABASE_URL=postgresql+psycopg://$user@127.0.0.1:$port/$DB ZONASI_PG_DIR=$ROOT"
}

stop() {
  ROOT=${ZONASI_PG_DIR:-}
  [ -n "$ROOT" ] && [ -d "$ROOT" ] || return 0
  DATA="$ROOT/data"
  if [ -f "$DATA/postmaster.pid" ]; then
    as_pg "$(pg_bin pg_ctl)" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$ROOT"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "postgresql+psycopg://$(cat "$ZONASI_PG_DIR/user")@127.0.0.1:$(cat "$ZONASI_PG_DIR/port")/$DB" ;;
  *) echo "usage: scripts/postgis.sh start|stop|url" >&2; exit 2 ;;
esac
