"""SQL for the series hypertables: staging, upsert, aggregate refresh, batch undo.

Rows travel as CSV bytes into a temporary stage table (COPY), never as per-row Python objects.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from db.types import PgConn

STAGE = "_series_stage"
CHANGED = "_series_changed"
STAGE_COLUMNS = ("wrestler_id", "metric_id", "recorded_at", "value", "source")


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int


def series_table(domain: str) -> str:
    return f"{domain}_series"


async def create_stage(conn: PgConn) -> None:
    """Per-transaction stage and changed-key tables (dropped at commit)."""
    await conn.execute(f"""
        CREATE TEMP TABLE IF NOT EXISTS {STAGE} (
            wrestler_id uuid NOT NULL, metric_id integer NOT NULL, recorded_at timestamptz NOT NULL,
            value double precision NOT NULL, source text NOT NULL
        ) ON COMMIT DROP;
        CREATE TEMP TABLE IF NOT EXISTS {CHANGED} (
            domain text NOT NULL, wrestler_id uuid NOT NULL, metric_id integer NOT NULL,
            bucket timestamptz NOT NULL
        ) ON COMMIT DROP;
        TRUNCATE {STAGE};""")


async def copy_to_stage(conn: PgConn, csv_bytes: bytes) -> None:
    """Load CSV rows (STAGE_COLUMNS order, no header) into the stage."""
    await conn.copy_to_table(STAGE, source=io.BytesIO(csv_bytes), columns=STAGE_COLUMNS, format="csv")


async def upsert_stage(conn: PgConn, domain: str, batch_id: int | None) -> UpsertCounts:
    """Write the stage into the domain's series; a point whose value and source are unchanged is not
    rewritten (no WAL, keeps its batch). Changed keys are recorded for the aggregate refresh."""
    row = await conn.fetchrow(
        f"""
        WITH up AS (
            INSERT INTO {series_table(domain)} AS t
                   (wrestler_id, metric_id, recorded_at, value, source, batch_id)
            SELECT wrestler_id, metric_id, recorded_at, value, source, $2::bigint FROM {STAGE}
            ON CONFLICT (wrestler_id, metric_id, recorded_at) DO UPDATE
               SET value = EXCLUDED.value, source = EXCLUDED.source, batch_id = EXCLUDED.batch_id
             WHERE (t.value, t.source) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.source)
            RETURNING (xmax = 0) AS inserted, wrestler_id, metric_id, recorded_at
        ), changed AS (
            INSERT INTO {CHANGED} (domain, wrestler_id, metric_id, bucket)
            SELECT DISTINCT $1, wrestler_id, metric_id,
                   time_bucket(interval '1 day', recorded_at, bucket_timezone())
              FROM up
        )
        SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated
          FROM up""",
        domain,
        batch_id,
    )
    assert row is not None
    return UpsertCounts(inserted=row["inserted"], updated=row["updated"])


async def delete_batch_points(conn: PgConn, domain: str, batch_id: int) -> int:
    """Remove the points a batch last wrote, recording their keys for the refresh."""
    deleted = await conn.fetchval(
        f"""
        WITH del AS (
            DELETE FROM {series_table(domain)} WHERE batch_id = $2
            RETURNING wrestler_id, metric_id, recorded_at
        ), changed AS (
            INSERT INTO {CHANGED} (domain, wrestler_id, metric_id, bucket)
            SELECT DISTINCT $1, wrestler_id, metric_id,
                   time_bucket(interval '1 day', recorded_at, bucket_timezone())
              FROM del
        )
        SELECT count(*) FROM del""",
        domain,
        batch_id,
    )
    return int(deleted or 0)


async def refresh_changed(conn: PgConn) -> list[str]:
    """Refresh daily aggregates and snapshots for every key recorded in this transaction; return the
    ids (text) of the wrestlers whose data changed."""
    rows = await conn.fetch(f"""
        SELECT domain,
               refresh_daily(domain, array_agg(wrestler_id), array_agg(metric_id), array_agg(bucket)) AS n,
               array_agg(DISTINCT wrestler_id::text) AS wrestlers
          FROM (SELECT DISTINCT domain, wrestler_id, metric_id, bucket FROM {CHANGED}) k
         GROUP BY domain""")
    await conn.execute(f"TRUNCATE {CHANGED}")
    wrestlers: set[str] = set()
    for r in rows:
        wrestlers.update(r["wrestlers"])
    return sorted(wrestlers)
