#!/bin/sh
# The read replica: on an empty volume, a base backup of the primary (`db`) in standby mode (-R writes
# primary_conninfo and standby.signal), then the server, which replays the primary's log and answers
# reads only. Runs as the image's postgres user.
set -eu
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h db -U "$POSTGRES_USER" -d "$POSTGRES_DB" >/dev/null 2>&1; do sleep 1; done
  PGPASSWORD="$POSTGRES_PASSWORD" pg_basebackup -h db -U "$POSTGRES_USER" -D "$PGDATA" -R -X stream -c fast
  chmod 700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on
