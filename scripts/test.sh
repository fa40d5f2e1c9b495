#!/usr/bin/env bash
# make test: lint, type-check and run the whole suite against the real database and Redis,
# starting them when needed and stopping afterwards what this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
export APP_ENV=test
UV="${UV:-$(bash scripts/uv-path.sh)}"

started_pg=0
started_redis=0
cleanup() {
  if [ "$started_pg" = 1 ] || [ "$started_redis" = 1 ]; then "$UV" run --frozen wrestle db stop >/dev/null || true; fi
}
trap cleanup EXIT

pg_before=$("$UV" run --frozen wrestle db status >/dev/null 2>&1 && echo up || echo down)
out="$("$UV" run --frozen wrestle db start)"
echo "$out"
if [ "$pg_before" = down ]; then
  grep -q "postgres: started" <<<"$out" && started_pg=1
  grep -q "redis: started" <<<"$out" && started_redis=1
fi

echo "== ruff"; "$UV" run --frozen ruff check .
"$UV" run --frozen ruff format --check .
echo "== mypy"; "$UV" run --frozen mypy .
echo "== pytest"; "$UV" run --frozen pytest "$@"
