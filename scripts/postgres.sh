#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and the benchmark: initdb in a temp dir, the server on
# 127.0.0.1 at a free port, one database, its URL on stdout.
#
#   eval "$(scripts/postgres.sh start)"      # exports AURORA_TEST_PG_URL=postgres://…
#   scripts/postgres.sh url                  # the URL of the running cluster
#   scripts/postgres.sh stop                 # stop it and delete its files
#
# Options of `start`: --durable keeps fsync and synchronous commit on (for benchmarks; the default
# turns them off, as a test cluster loses nothing worth keeping). Needs Debian's `postgresql`
# package (apt-get install -y postgresql) or any PostgreSQL ≥ 14 whose initdb is on PATH or in
# /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root: as root the server runs as
# the `postgres` user, in a data dir it owns. One cluster per state file (AURORA_PG_STATE).
set -euo pipefail

STATE="${AURORA_PG_STATE:-${TMPDIR:-/tmp}/aurora-postgres.state}"
DB=aurora_test

die() { echo "postgres.sh: $*" >&2; exit 1; }

bindir() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "initdb not found: install PostgreSQL (apt-get install -y postgresql)"
  echo "$dir"
}

# Run a PostgreSQL binary as a user it accepts: root hands over to `postgres`.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

cmd_start() {
  local durable=0
  for arg in "$@"; do
    case "$arg" in
      --durable) durable=1 ;;
      *) die "unknown option $arg (start [--durable])" ;;
    esac
  done
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    . "$STATE"
    if as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      echo "export AURORA_TEST_PG_URL=$URL"
      echo "postgres.sh: already running ($DIR); 'scripts/postgres.sh stop' first for a fresh one" >&2
      return
    fi
    rm -f "$STATE"
  fi
  local bin dir port url settings
  bin="$(bindir)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/aurora-postgres.XXXXXX")"
  chmod 755 "$dir"
  mkdir "$dir/data" "$dir/socket"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  port="$(free_port)"
  settings="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/socket -c max_connections=200 -c shared_buffers=256MB"
  [ "$durable" = 1 ] || settings="$settings -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$settings" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; die "the server did not start (log above)"; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB"
  # Installed once, up front: the audit store would create it itself, but tests that run in parallel,
  # each in a schema of its own, would race to install it (it is one per database).
  as_owner "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d "$DB" -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm' >/dev/null
  url="postgres://postgres@127.0.0.1:$port/$DB"
  printf 'BIN=%q\nDIR=%q\nURL=%q\n' "$bin" "$dir" "$url" >"$STATE"
  echo "export AURORA_TEST_PG_URL=$url"
  echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
}

cmd_stop() {
  [ -f "$STATE" ] || { echo "postgres.sh: not running" >&2; return; }
  # shellcheck disable=SC1090
  . "$STATE"
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR" "$STATE"
  echo "postgres.sh: stopped, $DIR removed" >&2
}

cmd_url() {
  [ -f "$STATE" ] || die "not running: scripts/postgres.sh start"
  # shellcheck disable=SC1090
  . "$STATE"
  echo "$URL"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  url) cmd_url ;;
  *) die "usage: scripts/postgres.sh start [--durable] | stop | url" ;;
esac
