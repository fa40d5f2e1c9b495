"""SQL for the series hypertables: staging, upsert, aggregate refresh, batch undo.

Rows travel as CSV bytes into a temporary stage table (COPY), never as per-row Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from db.copy_source import copy_source
from db.literals import zone_literal
from db.types import PgConn

STAGE = "_series_stage"
CHANGED = "_series_changed"
CHANGED_DAYS = "_series_changed_days"
SERIES_COLUMNS = ("wrestler_id", "metric_id", "recorded_at", "value", "source", "batch_id")
# Binary COPY rows put the variable-width source last (see ingest.copy_binary).
SERIES_BINARY_COLUMNS = ("wrestler_id", "metric_id", "recorded_at", "value", "batch_id", "source")


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
            value double precision NOT NULL, source text NOT NULL, batch_id bigint
        ) ON COMMIT DROP;
        CREATE TEMP TABLE IF NOT EXISTS {CHANGED} (
            domain text NOT NULL, wrestler_id uuid NOT NULL, metric_id integer NOT NULL,
            bucket timestamptz NOT NULL
        ) ON COMMIT DROP;
        CREATE TEMP TABLE IF NOT EXISTS {CHANGED_DAYS} (
            wrestler_id uuid NOT NULL, metric_id integer NOT NULL, day date NOT NULL
        ) ON COMMIT DROP;
        TRUNCATE {STAGE};""")


async def bucket_timezone(conn: PgConn) -> str:
    return str(await conn.fetchval("SELECT bucket_timezone()"))


async def local_clock(conn: PgConn) -> tuple[date, str]:
    """Today's local day and the bucket time zone's name, as the database has them."""
    row = await conn.fetchrow(
        "SELECT (now() AT TIME ZONE bucket_timezone())::date AS today, bucket_timezone() AS zone"
    )
    assert row is not None
    return row["today"], row["zone"]


async def may_conflict(
    conn: PgConn,
    domain: str,
    wrestlers: list[str],
    metrics: list[int],
    lo: list[datetime],
    hi: list[datetime],
) -> bool:
    """Whether any stored point of these (wrestler, metric) pairs lies in the given time ranges: if
    not, the new rows cannot conflict and may skip the upsert."""
    return bool(
        await conn.fetchval(
            f"""
            SELECT EXISTS (
                SELECT 1 FROM unnest($1::uuid[], $2::integer[], $3::timestamptz[], $4::timestamptz[])
                              AS k(wrestler_id, metric_id, lo, hi)
                 WHERE EXISTS (SELECT 1 FROM {series_table(domain)} t
                                WHERE t.wrestler_id = k.wrestler_id AND t.metric_id = k.metric_id
                                  AND t.recorded_at BETWEEN k.lo AND k.hi))""",
            wrestlers,
            metrics,
            lo,
            hi,
        )
    )


async def insert_new(conn: PgConn, domain: str, data: bytes, *, binary: bool = False) -> bool:
    """COPY rows straight into the series, as CSV (SERIES_COLUMNS order) or binary COPY data
    (SERIES_BINARY_COLUMNS order); False (and nothing written) when a concurrent writer stored one
    of the keys first."""
    try:
        async with conn.transaction():
            await conn.copy_to_table(
                series_table(domain),
                source=copy_source(data),
                columns=SERIES_BINARY_COLUMNS if binary else SERIES_COLUMNS,
                format="binary" if binary else "csv",
            )
    except asyncpg.UniqueViolationError:
        return False
    return True


def _day_bucket(ts: str, tz: str) -> str:
    """The aggregates' day bucket of a timestamptz expression, the zone inlined (see db.literals)."""
    zone = zone_literal(tz)
    return f"time_bucket(interval '1 day', {ts}, {zone})"


async def record_changed_days(conn: PgConn, domain: str, csv_bytes: bytes, tz: str) -> None:
    """Record (wrestler, metric, local day) rows as changed keys; the bucket is computed by the same
    time_bucket() the aggregates use (from local noon, so zone transitions at midnight cannot shift
    it). `tz` is the bucket time zone (bucket_timezone())."""
    await conn.execute(f"TRUNCATE {CHANGED_DAYS}")
    await conn.copy_to_table(
        CHANGED_DAYS, source=copy_source(csv_bytes), columns=("wrestler_id", "metric_id", "day"), format="csv"
    )
    noon = f"(day::timestamp + interval '12 hours') AT TIME ZONE {zone_literal(tz)}"
    await conn.execute(
        f"""
        INSERT INTO {CHANGED} (domain, wrestler_id, metric_id, bucket)
        SELECT $1, wrestler_id, metric_id, {_day_bucket(noon, tz)}
          FROM {CHANGED_DAYS}""",
        domain,
    )


async def copy_to_stage(conn: PgConn, data: bytes, *, binary: bool = False) -> None:
    """Load the same COPY data insert_new takes into the stage (its batch_id is not used: the upsert
    is given the batch)."""
    await conn.copy_to_table(
        STAGE,
        source=copy_source(data),
        columns=SERIES_BINARY_COLUMNS if binary else SERIES_COLUMNS,
        format="binary" if binary else "csv",
    )


async def upsert_stage(conn: PgConn, domain: str, batch_id: int | None, tz: str) -> UpsertCounts:
    """Write the stage into the domain's series; a point whose value and source are unchanged is not
    rewritten (no WAL, keeps its batch). Changed keys are recorded for the aggregate refresh (`tz`:
    the bucket time zone)."""
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
            SELECT DISTINCT $1, wrestler_id, metric_id, {_day_bucket("recorded_at", tz)}
              FROM up
        )
        SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated
          FROM up""",
        domain,
        batch_id,
    )
    assert row is not None
    return UpsertCounts(inserted=row["inserted"], updated=row["updated"])


async def delete_batch_points(
    conn: PgConn, domain: str, batch_id: int, first_at: datetime, last_at: datetime, tz: str
) -> int:
    """Remove the points a batch last wrote, recording their keys for the refresh. The batch's time
    range bounds the scan to its chunks (batch_id has no index: see 0014_series_batch_by_range)."""
    # The rows are locked in key order first, as every writer locks them (see ingest.writer).
    deleted = await conn.fetchval(
        f"""
        WITH doomed AS (
            SELECT wrestler_id, metric_id, recorded_at FROM {series_table(domain)}
             WHERE batch_id = $2 AND recorded_at >= $3 AND recorded_at <= $4
             ORDER BY wrestler_id, metric_id, recorded_at
               FOR UPDATE
        ), del AS (
            DELETE FROM {series_table(domain)} t USING doomed d
             WHERE t.wrestler_id = d.wrestler_id AND t.metric_id = d.metric_id
               AND t.recorded_at = d.recorded_at AND t.batch_id = $2
            RETURNING t.wrestler_id, t.metric_id, t.recorded_at
        ), changed AS (
            INSERT INTO {CHANGED} (domain, wrestler_id, metric_id, bucket)
            SELECT DISTINCT $1, wrestler_id, metric_id, {_day_bucket("recorded_at", tz)}
              FROM del
        )
        SELECT count(*) FROM del""",
        domain,
        batch_id,
        first_at,
        last_at,
    )
    return int(deleted or 0)


async def refresh_changed(conn: PgConn) -> list[str]:
    """Refresh daily aggregates and snapshots for every key recorded in this transaction; return the
    ids (text) of the wrestlers whose data changed. Their wrestler locks (lock_wrestlers, 0017) are
    held from here to the commit, so concurrent writers of a wrestler refresh one after the other."""
    # The series hypertables carry no triggers (a row trigger would cost every ingested row): their
    # wrestlers' data versions are moved here, with the locks (0027_data_versions).
    await conn.execute(f"""
        SELECT lock_wrestlers(ids), data_touch('wrestler', ids)
          FROM (SELECT array_agg(DISTINCT wrestler_id) AS ids FROM {CHANGED}) c""")
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


async def changed_keys(conn: PgConn, days: int) -> list[asyncpg.Record]:
    """The (domain, wrestler_id, metric_id, local day) keys of the last `days` days recorded as
    changed in this transaction (before refresh_changed consumes them), each with `incremental`: whether the
    daily aggregates are already current for them (false on a continuous-aggregate server, whose
    daily rows are only refreshed after the commit). Older keys are filtered before anything else:
    an import of history records many."""
    return list(
        await conn.fetch(
            f"""SELECT DISTINCT domain, wrestler_id, metric_id,
                       (bucket AT TIME ZONE bucket_timezone())::date AS day,
                       aggregate_mode() = 'incremental' AS incremental
                  FROM {CHANGED}
                 WHERE bucket >= now() - make_interval(days => $1 + 1)""",
            days,
        )
    )
