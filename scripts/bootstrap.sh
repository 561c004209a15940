#!/usr/bin/env bash
# Installs what `make run` and `make test` need and is missing: Debian's PostgreSQL 15 with
# pgTAP, pg_prove, plpgsql_check, pg_cron and PgBouncer, libfaketime (the calendar tests' faked
# clock), Prometheus with promtool (the monitoring tests), Patroni and etcd (the failover test's
# two-node cluster, deploy/patroni/local-cluster); pg_net, built from its source tarball;
# uv; the Python environment from the committed lock file (uv.lock). Fast when everything is
# already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_DIR=/usr/lib/postgresql/15
# The server package's version before apt runs: an upgrade leaves a running cluster on the old
# binary, unable to load the new libraries until it restarts.
server_version() { dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null || true; }
server_before=$(server_version)

apt_install() {  # packages...: install the missing ones (root), or say how and fail
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]}" >&2
        echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian's package starts its own cluster on 5432; the project runs its own, so stop that.
    if command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q '^15 *main .*online'; then
        pg_ctlcluster 15 main stop || true
    fi
}

# prometheus: the tests scrape `moose run` with a real Prometheus and check the rules with promtool.
# patroni, etcd-server: the failover test runs a two-node Patroni cluster (deploy/patroni/).
apt_install postgresql-15 postgresql-contrib postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl \
            postgresql-15-plpgsql-check postgresql-15-cron pgbouncer libfaketime prometheus patroni etcd-server

# pg_net (asynchronous HTTP from PostgreSQL, the alert path without the runner): not packaged by
# Debian, so built from its tarball (MOOSE_PG_NET_SOURCE, else ../shared/vendor/) after checking
# the sha256 beside it. Without a source the runner alone delivers alerts; CI must not skip it.
pg_net_missing() {  # reason: one line on stderr, then continue, or fail under CI=true
    echo "pg_net not installed: $1 (alerts go through the runner; docs/ALERTS.md)" >&2
    if [ "${CI:-}" = "true" ]; then
        echo "CI=true: the pg_net alert path must be tested, failing" >&2
        exit 1
    fi
}
install_pg_net() {
    [ -f "$PG_DIR/lib/pg_net.so" ] && [ -f /usr/share/postgresql/15/extension/pg_net.control ] && return 0
    local source="${MOOSE_PG_NET_SOURCE:-../shared/vendor/pg_net-0.20.4.tar.gz}"
    if [ ! -f "$source" ]; then
        pg_net_missing "no source at $source (set MOOSE_PG_NET_SOURCE to a pg_net tarball)"
        return 0
    fi
    if [ ! -f "$source.sha256" ] || [ "$(sha256sum "$source" | cut -d' ' -f1)" != "$(cut -d' ' -f1 "$source.sha256")" ]; then
        echo "pg_net source $source does not match $source.sha256: not building it" >&2
        exit 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        pg_net_missing "building it needs root (sudo scripts/bootstrap.sh)"
        return 0
    fi
    apt_install postgresql-server-dev-15 libcurl4-openssl-dev
    local build
    build=$(mktemp -d)
    echo "building pg_net from $source"
    tar xzf "$source" -C "$build" --strip-components=1
    if ! make -C "$build" PG_CONFIG="$PG_DIR/bin/pg_config" >"$build/build.log" 2>&1 \
       || ! make -C "$build" PG_CONFIG="$PG_DIR/bin/pg_config" install >>"$build/build.log" 2>&1; then
        tail -20 "$build/build.log" >&2
        rm -rf "$build"
        echo "pg_net did not build" >&2
        exit 1
    fi
    rm -rf "$build"
}
install_pg_net

if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv"
    python3 -m pip install --quiet --disable-pip-version-check uv
fi
export UV_PYTHON_DOWNLOADS=never
uv sync --frozen --quiet

server_after=$(server_version)
if [ -n "$server_before" ] && [ "$server_before" != "$server_after" ] && .venv/bin/moose db status >/dev/null 2>&1; then
    echo "postgresql-15 was upgraded ($server_before -> $server_after): restarting the embedded cluster"
    .venv/bin/moose db restart
fi
