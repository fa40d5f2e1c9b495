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
  # uv comes from PyPI into a virtualenv (below) when it is not installed: that needs python3-venv.
  [ -x "$(bash scripts/uv-path.sh)" ] || wanted+=(python3-venv)
  if [ -n "$PG_MAJOR" ]; then wanted+=("postgresql-server-dev-$PG_MAJOR"); fi
  # make test renders /docs in a real headless browser (tests/integration/test_docs_page.py).
  if [ "${SETUP_FOR_TESTS:-0}" = 1 ]; then wanted+=(chromium); fi
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

# uv: the one on PATH, else the project's own copy in .tools/ (a virtualenv holding only uv, from PyPI),
# so neither pip nor a system-wide install is needed (a bare Debian has python3-venv but no pip).
UV="$(bash scripts/uv-path.sh)"
if [ ! -x "$UV" ]; then
  echo "setup: installing uv into .tools/"
  if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
    echo "setup: python3 cannot create virtual environments (Debian: apt-get install python3-venv);" \
         "or install uv yourself (https://docs.astral.sh/uv/)" >&2
    exit 1
  fi
  rm -rf .tools
  python3 -m venv .tools
  .tools/bin/python -m pip install --quiet --disable-pip-version-check uv
  UV="$(bash scripts/uv-path.sh)"
fi
"$UV" sync --frozen --quiet
