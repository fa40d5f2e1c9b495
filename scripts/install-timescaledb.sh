#!/usr/bin/env bash
# Installs the TimescaleDB extension for the local PostgreSQL server, once per machine.
# Order: already installed -> Debian binary package -> build from Debian's source package
# (Debian 12 packages PostgreSQL 15 but not TimescaleDB; Debian 13's source builds against it).
# The source is fetched with apt's own source download through a private apt configuration that
# reuses the Debian mirror this machine is already set up with, so the system's apt lists are untouched.
set -euo pipefail

PG_CONFIG="${PG_CONFIG:-$(ls -d /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V | tail -n1)}"
if [ -z "$PG_CONFIG" ] || [ ! -x "$PG_CONFIG" ]; then
  echo "install-timescaledb: no PostgreSQL server found (pg_config); install postgresql first" >&2
  exit 1
fi
PGVER="$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')"
PKGLIB="$("$PG_CONFIG" --pkglibdir)"
SHAREDIR="$("$PG_CONFIG" --sharedir)"

if ls "$PKGLIB"/timescaledb*.so >/dev/null 2>&1 && [ -f "$SHAREDIR/extension/timescaledb.control" ]; then
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if apt-cache show "postgresql-$PGVER-timescaledb" >/dev/null 2>&1; then
  echo "install-timescaledb: installing postgresql-$PGVER-timescaledb from Debian"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "postgresql-$PGVER-timescaledb"
  exit 0
fi

echo "install-timescaledb: building TimescaleDB (Apache edition) from Debian's source package for PostgreSQL $PGVER"
SOURCE_SUITE="${TIMESCALEDB_SOURCE_SUITE:-trixie}"
WORK="${TIMESCALEDB_BUILD_DIR:-/var/tmp/wrestle-timescaledb-build}"
mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/archives/partial" "$WORK/src"

# The first Debian mirror (not the security one) this machine already uses.
MIRROR=""
if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
  MIRROR="$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' /etc/apt/sources.list.d/*.sources | grep -v -- '-security' | head -n1 || true)"
fi
if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list ]; then
  MIRROR="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) {print $i; exit}}' /etc/apt/sources.list)"
fi
if [ -z "$MIRROR" ]; then
  echo "install-timescaledb: no Debian mirror found in the apt configuration" >&2
  exit 1
fi
echo "deb-src $MIRROR $SOURCE_SUITE main" > "$WORK/apt/sources.list"

APT_OPTS=(-o "Dir::Etc::SourceList=$WORK/apt/sources.list" -o "Dir::Etc::SourceParts=$WORK/apt/none"
          -o "Dir::State::Lists=$WORK/apt/lists" -o "Dir::Cache::Archives=$WORK/apt/archives"
          -o "APT::Sandbox::User=root")
mkdir -p "$WORK/apt/none"
apt-get "${APT_OPTS[@]}" update -q
cd "$WORK/src"
rm -rf timescaledb-*/
apt-get "${APT_OPTS[@]}" source -q timescaledb
SRC="$(ls -d "$WORK"/src/timescaledb-*/ | head -n1)"
cd "$SRC"
./bootstrap -DAPACHE_ONLY=1 -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF \
  -DCMAKE_BUILD_TYPE=Release -DPG_CONFIG="$PG_CONFIG" >/dev/null
make -C build -j"$(nproc)" >/dev/null
$SUDO make -C build install >/dev/null
echo "install-timescaledb: installed into $PKGLIB"
