"""SQL of the series archive: old chunks, their rows and totals, the drop and the bookkeeping
(series_archive_files, db/schema/0026), the restore, and the archived periods no refresh may touch.

Rows leave the database only by COPY of one period (one chunk's part of one local month) at a time,
straight to a file, so memory stays flat whatever a chunk holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import asyncpg

from db.copy_source import copy_source
from db.series import CHANGED, SERIES_COLUMNS, series_table
from db.types import PgConn

STAGE = "_archive_restore_stage"
# Column order of the export's COPY text (ingest.archive_files.EXPORT_CSV_SCHEMA).
EXPORT_COLUMNS = (
    "wrestler_id, metric_id, (extract(epoch FROM recorded_at) * 1000000)::bigint, value, source, batch_id"
)


@dataclass(frozen=True)
class Chunk:
    name: str  # schema-qualified
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Totals:
    rows: int
    value_sum: float
    min_at: datetime | None
    max_at: datetime | None


@dataclass(frozen=True)
class ArchivedFile:
    domain: str
    file_name: str
    month: date
    period_start: datetime
    period_end: datetime
    row_count: int
    value_sum: float
    sha256: str


@dataclass(frozen=True)
class ArchivedChange:
    """An archived period met by a write: by a key changed in this transaction (`day`: its local
    day), or by a batch's time range."""

    domain: str
    day: date
    period_start: datetime
    period_end: datetime
    file_name: str
    archive_dir: str


async def old_chunks(conn: PgConn, domain: str, cutoff: datetime) -> list[Chunk]:
    """The domain's chunks that end at or before the cutoff, oldest first (what
    drop_chunks(older_than => cutoff) drops)."""
    rows = await conn.fetch(
        """
        SELECT format('%I.%I', chunk_schema, chunk_name) AS name, range_start, range_end
          FROM timescaledb_information.chunks
         WHERE hypertable_schema = current_schema() AND hypertable_name = $1 AND range_end <= $2
         ORDER BY range_start""",
        series_table(domain),
        cutoff,
    )
    return [Chunk(r["name"], r["range_start"], r["range_end"]) for r in rows]


async def period_totals(conn: PgConn, domain: str, start: datetime, end: datetime) -> Totals:
    """Row count, value sum and time range of the domain's rows in [start, end) (chunk exclusion
    keeps the scan to the chunks of that range)."""
    row = await conn.fetchrow(
        f"""SELECT count(*) AS n, coalesce(sum(value), 0) AS s, min(recorded_at) AS lo,
                   max(recorded_at) AS hi
              FROM {series_table(domain)} WHERE recorded_at >= $1 AND recorded_at < $2""",
        start,
        end,
    )
    assert row is not None
    return Totals(int(row["n"]), float(row["s"]), row["lo"], row["hi"])


async def export_period(conn: PgConn, domain: str, start: datetime, end: datetime, path: Path) -> None:
    """COPY the rows of [start, end), in key order, to `path` as CSV (EXPORT_COLUMNS)."""
    await conn.copy_from_query(
        f"""SELECT {EXPORT_COLUMNS} FROM {series_table(domain)}
             WHERE recorded_at >= $1 AND recorded_at < $2
             ORDER BY wrestler_id, metric_id, recorded_at""",
        start,
        end,
        output=path,
        format="csv",
    )


async def lock_series(conn: PgConn, domain: str) -> None:
    """Hold off writers of the domain until the transaction ends (SHARE conflicts with the ROW
    EXCLUSIVE every insert, update and delete takes), so the totals checked are the rows dropped."""
    await conn.execute(f"LOCK TABLE {series_table(domain)} IN SHARE MODE")


async def record_files(conn: PgConn, files: list[ArchivedFile], archive_dir: str) -> None:
    await conn.executemany(
        """INSERT INTO series_archive_files
                  (domain, file_name, month, period_start, period_end, row_count, value_sum, sha256,
                   archive_dir)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (domain, file_name) DO UPDATE
              SET month = EXCLUDED.month, period_start = EXCLUDED.period_start,
                  period_end = EXCLUDED.period_end, row_count = EXCLUDED.row_count,
                  value_sum = EXCLUDED.value_sum, sha256 = EXCLUDED.sha256,
                  archive_dir = EXCLUDED.archive_dir, archived_at = now()""",
        [
            (
                f.domain,
                f.file_name,
                f.month,
                f.period_start,
                f.period_end,
                f.row_count,
                f.value_sum,
                f.sha256,
                archive_dir,
            )
            for f in files
        ],
    )


async def drop_old_chunks(conn: PgConn, domain: str, cutoff: datetime) -> list[str]:
    """drop_chunks(older_than => cutoff) on the domain's series; the names of the chunks dropped.
    The daily aggregates are other relations (a table, or a continuous aggregate whose materialised
    rows a drop leaves alone): only raw rows go."""
    rows = await conn.fetch(
        "SELECT drop_chunks($1::regclass, older_than => $2::timestamptz) AS name",
        series_table(domain),
        cutoff,
    )
    return sorted(str(r["name"]) for r in rows)


async def period_is_empty(conn: PgConn, domain: str, start: datetime, end: datetime) -> bool:
    return not await conn.fetchval(
        f"SELECT EXISTS (SELECT 1 FROM {series_table(domain)} WHERE recorded_at >= $1 AND recorded_at < $2)",
        start,
        end,
    )


async def missing_wrestlers(conn: PgConn, ids: list[str]) -> bool:
    """Whether any of these wrestler ids no longer exists."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM unnest($1::uuid[]) i WHERE NOT EXISTS"
            " (SELECT 1 FROM wrestlers w WHERE w.id = i))",
            ids,
        )
    )


async def copy_rows(conn: PgConn, domain: str, csv_bytes: bytes) -> int:
    """COPY archived rows (CSV, SERIES_COLUMNS order) straight into the domain's series: for a
    period with no stored row and rows of existing wrestlers only (restore_rows otherwise)."""
    status = await conn.copy_to_table(
        series_table(domain), source=copy_source(csv_bytes), columns=SERIES_COLUMNS, format="csv"
    )
    return int(status.rsplit(" ", 1)[1])


async def restore_rows(conn: PgConn, domain: str, csv_bytes: bytes) -> int:
    """Insert archived rows (CSV, SERIES_COLUMNS order) into the domain's series; rows whose key is
    already stored, and rows of wrestlers deleted since, are skipped. Nothing else is written: the
    daily aggregates, snapshots and scores already hold these rows. Returns the rows inserted."""
    await conn.execute(f"""
        CREATE TEMP TABLE IF NOT EXISTS {STAGE} (
            wrestler_id uuid NOT NULL, metric_id integer NOT NULL, recorded_at timestamptz NOT NULL,
            value double precision NOT NULL, source text NOT NULL, batch_id bigint
        ) ON COMMIT DROP;
        TRUNCATE {STAGE};""")
    await conn.copy_to_table(STAGE, source=copy_source(csv_bytes), columns=SERIES_COLUMNS, format="csv")
    status = await conn.execute(f"""
        INSERT INTO {series_table(domain)} (wrestler_id, metric_id, recorded_at, value, source, batch_id)
        SELECT s.wrestler_id, s.metric_id, s.recorded_at, s.value, s.source, s.batch_id
          FROM {STAGE} s
         WHERE EXISTS (SELECT 1 FROM wrestlers w WHERE w.id = s.wrestler_id)
        ON CONFLICT (wrestler_id, metric_id, recorded_at) DO NOTHING""")
    return int(status.rsplit(" ", 1)[1])


async def forget_file(conn: PgConn, domain: str, file_name: str) -> None:
    """The file's period is back in the database: writes and refreshes may touch it again."""
    await conn.execute(
        "DELETE FROM series_archive_files WHERE domain = $1 AND file_name = $2", domain, file_name
    )


async def changed_in_archive(conn: PgConn) -> ArchivedChange | None:
    """The first key recorded as changed in this transaction (db.series.CHANGED) whose local day
    overlaps an archived period of its domain, or None. Such a day's daily row was computed from
    rows that are no longer stored: refreshing it would recompute it from the part left."""
    try:
        row = await conn.fetchrow(f"""
            WITH days AS (
                SELECT DISTINCT domain, (bucket AT TIME ZONE bucket_timezone())::date AS day FROM {CHANGED}
            )
            SELECT d.domain, d.day, a.period_start, a.period_end, a.file_name, a.archive_dir
              FROM days d
              CROSS JOIN bucket_timezone() AS tz
              JOIN series_archive_files a ON a.domain = d.domain
               AND d.day BETWEEN (a.period_start AT TIME ZONE tz)::date
                             AND ((a.period_end - interval '1 microsecond') AT TIME ZONE tz)::date
             ORDER BY d.domain, d.day
             LIMIT 1""")
    except asyncpg.UndefinedTableError:
        return None  # nothing was written in this transaction
    if row is None:
        return None
    return ArchivedChange(**dict(row))


async def archived_between(conn: PgConn, start: datetime, end: datetime) -> ArchivedChange | None:
    """The first archived period of any domain that overlaps [start, end], or None (`day`: the
    local day it starts on)."""
    row = await conn.fetchrow(
        """SELECT domain, (period_start AT TIME ZONE bucket_timezone())::date AS day, period_start,
                  period_end, file_name, archive_dir
             FROM series_archive_files
            WHERE period_start <= $2 AND period_end > $1
            ORDER BY period_start, domain LIMIT 1""",
        start,
        end,
    )
    return None if row is None else ArchivedChange(**dict(row))


async def any_archived(conn: PgConn) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM series_archive_files)"))


async def locked_ranges(conn: PgConn, domain: str) -> list[tuple[datetime, datetime]]:
    """The domain's archived periods widened to whole local days (from the local midnight of their
    first day to that after their last), merged and sorted: the windows a continuous-aggregate
    refresh must leave out."""
    rows = await conn.fetch(
        """SELECT (first_day::timestamp AT TIME ZONE tz) AS lo,
                  ((last_day + 1)::timestamp AT TIME ZONE tz) AS hi
             FROM series_archive_files
            CROSS JOIN bucket_timezone() AS tz
            CROSS JOIN LATERAL (
                  SELECT (period_start AT TIME ZONE tz)::date AS first_day,
                         ((period_end - interval '1 microsecond') AT TIME ZONE tz)::date AS last_day) d
            WHERE domain = $1 ORDER BY 1""",
        domain,
    )
    merged: list[tuple[datetime, datetime]] = []
    for r in rows:
        if merged and r["lo"] <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], r["hi"]))
        else:
            merged.append((r["lo"], r["hi"]))
    return merged


def outside(
    start: datetime | None, end: datetime | None, locked: list[tuple[datetime, datetime]]
) -> list[tuple[datetime | None, datetime | None]]:
    """The parts of the window [start, end) (None: open) outside the locked ranges (sorted,
    disjoint)."""
    windows: list[tuple[datetime | None, datetime | None]] = []
    lo = start
    for a, b in locked:
        if end is not None and a >= end:
            break
        if lo is not None and b <= lo:
            continue
        if lo is None or a > lo:
            windows.append((lo, a))
        lo = b
    if end is None or lo is None or lo < end:
        windows.append((lo, end))
    return windows
