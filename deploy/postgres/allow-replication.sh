#!/bin/sh
# Run once by the database image when it initialises an empty volume: lets the optional read replica
# (`docker compose --profile replica up`) stream the write-ahead log with the database's password.
set -eu
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
