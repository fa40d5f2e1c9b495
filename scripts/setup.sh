#!/usr/bin/env bash
# Installs what the project needs and is missing: Debian packages (PostgreSQL, Redis, build tools for
# TimescaleDB), the TimescaleDB extension (scripts/install-timescaledb.sh), uv, and the virtual
# environment. Each step is skipped when already done, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if [ -f /etc/debian_version ]; then
  PG_MAJOR="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n1 || true)"
  [ -n "$PG_MAJOR" ] || PG_MAJOR=""
  wanted=(postgresql redis-server cmake dpkg-dev gcc make libssl-dev)
  if [ -n "$PG_MAJOR" ]; then wanted+=("postgresql-server-dev-$PG_MAJOR"); fi
  missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
    if [ -z "$PG_MAJOR" ]; then
      PG_MAJOR="$(ls /usr/lib/postgresql | sort -n | tail -n1)"
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "postgresql-server-dev-$PG_MAJOR"
    fi
  fi
  # The Debian package starts a system-wide cluster on 5432; the project runs its own under .data/.
  bash scripts/install-timescaledb.sh
else
  for cmd in pg_ctl redis-server; do
    command -v "$cmd" >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || {
      echo "setup: this is not Debian; install PostgreSQL 15+ with TimescaleDB, and Redis (see README)," \
           "or use docker compose" >&2; exit 1; }
  done
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv"
  python3 -m pip install --quiet uv || python3 -m pip install --quiet --break-system-packages uv
fi
uv sync --frozen --quiet
