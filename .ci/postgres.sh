# A throwaway PostgreSQL 15 server for the tests. Source this file, then:
#   start_test_postgres   # initdb in a temporary folder, start on a free local port, create the
#                         # role and database, export ATTUNE_TEST_POSTGRES_URL
#   stop_test_postgres    # stop the server and delete the folder (safe to call twice)
# initdb refuses to run as root, so as root the server runs as the `postgres` user.

ATTUNE_PG_BIN="${ATTUNE_PG_BIN:-/usr/lib/postgresql/15/bin}"

start_test_postgres() {
    if [ ! -x "$ATTUNE_PG_BIN/initdb" ]; then
        echo "postgres: $ATTUNE_PG_BIN/initdb not found" >&2
        return 1
    fi
    ATTUNE_PG_DIR="$(mktemp -d /tmp/attune-pg.XXXXXX)"
    local as=()
    if [ "$(id -u)" -eq 0 ]; then
        as=(runuser -u postgres --)
        chown postgres "$ATTUNE_PG_DIR"
    fi
    # A port nobody listens on: the kernel picks one, the socket is closed, PostgreSQL takes it.
    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    local password="attune-test-$RANDOM$RANDOM"
    printf '%s\n' "$password" > "$ATTUNE_PG_DIR/pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$ATTUNE_PG_DIR/pwfile"
    # Password authentication on TCP, as in production; fsync off: a test server that loses its
    # data in a power cut loses nothing of value, and the tests run several times faster.
    # max_connections: the tests run in parallel, each with a pool (and some with two stores, a
    # listener and an admin connection); 200 ran out when several test runs shared one server.
    if ! "${as[@]}" "$ATTUNE_PG_BIN/initdb" -D "$ATTUNE_PG_DIR/data" -U attune --pwfile="$ATTUNE_PG_DIR/pwfile" \
        --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 > "$ATTUNE_PG_DIR/initdb.log" 2>&1; then
        echo "postgres: initdb failed:" >&2
        cat "$ATTUNE_PG_DIR/initdb.log" >&2
        return 1
    fi
    ATTUNE_PG_AS=("${as[@]}")
    if ! "${as[@]}" "$ATTUNE_PG_BIN/pg_ctl" -D "$ATTUNE_PG_DIR/data" -l "$ATTUNE_PG_DIR/server.log" -w -t 60 \
        -o "-p $port -k $ATTUNE_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=600" \
        start > /dev/null; then
        echo "postgres: the server did not start:" >&2
        cat "$ATTUNE_PG_DIR/server.log" >&2
        return 1
    fi
    # The tests create a database each (CREATEDB) and drop it after; `attune_test` is where
    # they connect to do that.
    "${as[@]}" "$ATTUNE_PG_BIN/psql" -h "$ATTUNE_PG_DIR" -p "$port" -U attune -d postgres -q -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE attune_test" > /dev/null || return 1
    export ATTUNE_TEST_POSTGRES_URL="postgres://attune:$password@127.0.0.1:$port/attune_test?sslmode=disable"
    echo "postgres: PostgreSQL $("$ATTUNE_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $ATTUNE_PG_DIR)"
}

stop_test_postgres() {
    [ -n "${ATTUNE_PG_DIR:-}" ] || return 0
    if [ -f "$ATTUNE_PG_DIR/data/postmaster.pid" ]; then
        "${ATTUNE_PG_AS[@]}" "$ATTUNE_PG_BIN/pg_ctl" -D "$ATTUNE_PG_DIR/data" -m immediate -w stop > /dev/null 2>&1 || true
    fi
    rm -rf "$ATTUNE_PG_DIR"
    unset ATTUNE_PG_DIR ATTUNE_TEST_POSTGRES_URL
}
