#!/usr/bin/env bash
# A throwaway PostgreSQL server for zmqtool's tests (tests/titanic_postgres.rs), as CI runs it.
#
#   scripts/test-postgres.sh run CMD...   start a server, run CMD with its URL, stop it (even
#                                          when CMD fails); exits with CMD's status
#   eval "$(scripts/test-postgres.sh start)"   start one and export its variables
#   scripts/test-postgres.sh stop              stop the one the variables name
#
# The variables: ZMQTOOL_TEST_POSTGRES (the URL; each test makes its own database there),
# ZMQTOOL_TEST_POSTGRES_CTL (pg_ctl for that server: the tests restart it with
# `$ZMQTOOL_TEST_POSTGRES_CTL restart -m fast`), ZMQTOOL_TEST_POSTGRES_DIR (its directory),
# and, where openssl is installed, ZMQTOOL_TEST_POSTGRES_CA: the server also takes TLS, with a
# certificate for localhost and 127.0.0.1 signed by this throwaway CA (sslmode tests).
#
# Debian's `postgresql` package is installed when no server binaries are found (as root). The
# cluster lives in a new temporary directory, listens on 127.0.0.1 at a free port and on a
# Unix socket in that directory, and trusts local connections: it is for tests only. As root,
# it runs as the unprivileged user ZMQTOOL_TEST_POSTGRES_USER (default: nobody), since
# PostgreSQL refuses to run as root.
set -euo pipefail

die() { echo "test-postgres: $*" >&2; exit 1; }

bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$dir" && $(id -u) -eq 0 ]]; then
        echo "test-postgres: installing Debian's postgresql package" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    [[ -n "$dir" && -x "$dir/initdb" ]] || die "no PostgreSQL server binaries (apt-get install postgresql)"
    echo "$dir"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local bin user dir port as=()
    bin=$(bindir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/zmqtool-pg.XXXXXX")
    if [[ $(id -u) -eq 0 ]]; then
        user=${ZMQTOOL_TEST_POSTGRES_USER:-nobody}
        id "$user" >/dev/null 2>&1 || die "no user $user to run PostgreSQL as (set ZMQTOOL_TEST_POSTGRES_USER)"
        chown "$user" "$dir"
        as=(runuser -u "$user" --)
    fi
    port=$(free_port)
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    local tls=
    if command -v openssl >/dev/null; then
        tls_certificates "$dir" "${user:-}" && tls=1
    fi
    # The control script the tests use (restart under load); it runs pg_ctl as the owner.
    cat >"$dir/ctl" <<EOF
#!/bin/sh
exec ${as[*]} "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \\
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1" "\$@"
EOF
    chmod 755 "$dir/ctl"
    "$dir/ctl" start >/dev/null || { cat "$dir/server.log" >&2; die "the server did not start"; }
    echo "export ZMQTOOL_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
    echo "export ZMQTOOL_TEST_POSTGRES_CTL='$dir/ctl'"
    echo "export ZMQTOOL_TEST_POSTGRES_DIR='$dir'"
    [[ -z "$tls" ]] || echo "export ZMQTOOL_TEST_POSTGRES_CA='$dir/ca.crt'"
}

# A CA and a server certificate for localhost/127.0.0.1, and ssl=on in the cluster.
tls_certificates() {
    local dir=$1 user=$2
    (
        cd "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=zmqtool-test-ca
        openssl req -newkey rsa:2048 -nodes -keyout data/server.key -out server.csr -subj /CN=localhost
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out data/server.crt -days 2 -extfile san.ext
        chmod 600 data/server.key
        [[ -z "$user" ]] || chown "$user" data/server.key data/server.crt
        echo "ssl = on" >>data/postgresql.conf
    ) >"$dir/tls.log" 2>&1
}

stop() {
    local dir=${1:-${ZMQTOOL_TEST_POSTGRES_DIR:-}}
    [[ -n "$dir" && -x "$dir/ctl" ]] || die "no server to stop (ZMQTOOL_TEST_POSTGRES_DIR is not set)"
    "$dir/ctl" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop "${2:-}" ;;
run)
    shift
    [[ $# -gt 0 ]] || die "usage: $0 run CMD..."
    eval "$(start)"
    trap 'stop "$ZMQTOOL_TEST_POSTGRES_DIR"' EXIT
    echo "test-postgres: $ZMQTOOL_TEST_POSTGRES" >&2
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
*) die "usage: $0 start | stop | run CMD..." ;;
esac
