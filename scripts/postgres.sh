#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests and benchmarks: its own data directory, loopback
# only, trust authentication for the `ferry` role, on a port of its own so that it never meets a
# server the machine already runs. As root (CI), the server runs as the `postgres` user, since
# PostgreSQL refuses to run as root.
#
#   scripts/postgres.sh start   # installs Debian's postgresql when missing, starts, prints the URL
#   scripts/postgres.sh stop    # stops the server and removes its data directory
#   scripts/postgres.sh url     # the URL the tests use
#   scripts/postgres.sh run CMD # starts the server, runs CMD with FERRY_TEST_POSTGRES_URL set, stops it
#
# FERRY_PG_PORT (default 54329) and FERRY_PG_DIR (default /tmp/ferry-postgres-$FERRY_PG_PORT)
# choose the port and the data directory.
set -euo pipefail
port="${FERRY_PG_PORT:-54329}"
directory="${FERRY_PG_DIR:-/tmp/ferry-postgres-$port}"
url="postgres://ferry@127.0.0.1:$port/ferry"

binaries() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$initdb" ]; then
        echo "Installing Debian's postgresql package" >&2
        local sudo_cmd=""
        [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq
        # Without an init system the package cannot start its own cluster; that is not needed here.
        DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >&2 \
            || echo "apt-get reported a problem installing postgresql; using its binaries if they are there" >&2
        initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
        if [ -z "$initdb" ]; then
            echo "PostgreSQL's initdb is missing after installing postgresql" >&2
            exit 69
        fi
    fi
    dirname "$initdb"
}

# Runs a command as the server's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local bin
    bin=$(binaries)
    if as_owner "$bin/pg_ctl" -D "$directory/data" status >/dev/null 2>&1; then
        echo "$url"
        return
    fi
    rm -rf "$directory"
    mkdir -p "$directory/socket"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$directory"
    as_owner "$bin/initdb" -D "$directory/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    as_owner "$bin/pg_ctl" -D "$directory/data" -l "$directory/server.log" -w -t 60 start \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $directory/socket -c max_connections=500 -c fsync=on" >/dev/null
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE ferry LOGIN CREATEDB" -c "CREATE DATABASE ferry OWNER ferry" postgres >/dev/null
    echo "$url"
}

stop() {
    local bin
    bin=$(binaries)
    if [ -d "$directory/data" ]; then
        as_owner "$bin/pg_ctl" -D "$directory/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$directory"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) echo "$url" ;;
    run)
        shift
        FERRY_TEST_POSTGRES_URL=$(start)
        export FERRY_TEST_POSTGRES_URL
        trap stop EXIT
        echo "PostgreSQL for the tests: $FERRY_TEST_POSTGRES_URL" >&2
        "$@"
        ;;
    *) echo "usage: $0 start|stop|url|run COMMAND..." >&2; exit 64 ;;
esac
