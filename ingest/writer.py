"""The one write path for series points: bulk files, device batches, section POSTs and demo data.

Points arrive as a Polars frame; within one call a later row for the same (wrestler, metric,
recorded_at) replaces an earlier one (the replaced rows are counted as unchanged). Everything runs on
the caller's connection, inside the caller's transaction, so the points and everything derived from
them commit together or not at all.

Speed: rows travel as binary COPY data built column-wise (ingest.copy_binary; CSV when a field is
missing, so the server names it), never as per-row Python objects. When no stored point
of the same wrestler and metric lies inside the time range being written, the rows cannot conflict
and are copied straight into the hypertable (the speed of a plain COPY); otherwise they go through a
stage and an upsert that skips unchanged rows. Rows are sorted by key so that concurrent writers
take row locks in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from db import series as series_sql
from db.types import PgConn
from ingest import copy_binary
from ingest.refresh import refresh_derived

POINT_SCHEMA: dict[str, pl.DataType] = {
    "wrestler_id": pl.String(),
    "metric_id": pl.Int32(),
    "domain": pl.String(),
    "recorded_at": pl.Datetime("us", "UTC"),
    "value": pl.Float64(),
    "source": pl.String(),
}
KEY = ["wrestler_id", "metric_id", "recorded_at"]
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S%.6f+00:00"


@dataclass
class WriteResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    wrestlers: list[str] = field(default_factory=list)


def dedupe_last(points: pl.DataFrame) -> pl.DataFrame:
    """Keep the last row per key, in input order."""
    return points.unique(subset=KEY, keep="last", maintain_order=True)


def series_csv(points: pl.DataFrame, batch_id: int | None) -> bytes:
    """Rows in series_sql.SERIES_COLUMNS order, every one of batch `batch_id`."""
    return series_rows_csv(points.with_columns(pl.lit(batch_id, dtype=pl.Int64).alias("batch_id")))


def series_rows_csv(rows: pl.DataFrame) -> bytes:
    """Rows in series_sql.SERIES_COLUMNS order, each with its own batch_id (an archive's, restored)."""
    return (
        rows.select(
            "wrestler_id",
            "metric_id",
            pl.col("recorded_at").dt.strftime(_TS_FORMAT),
            "value",
            "source",
            "batch_id",
        )
        .write_csv(include_header=False)
        .encode()
    )


def changed_days_csv(points: pl.DataFrame, bucket_timezone: str) -> bytes:
    """Distinct (wrestler, metric, local day) of the points, for the aggregate refresh."""
    return (
        points.select(
            "wrestler_id",
            "metric_id",
            pl.col("recorded_at").dt.convert_time_zone(bucket_timezone).dt.date().alias("day"),
        )
        .unique()
        .write_csv(include_header=False)
        .encode()
    )


def key_ranges(points: pl.DataFrame) -> pl.DataFrame:
    return points.group_by("wrestler_id", "metric_id").agg(
        pl.col("recorded_at").min().alias("lo"), pl.col("recorded_at").max().alias("hi")
    )


@dataclass(frozen=True)
class PreparedPart:
    """One domain's share of a write, ready for the database."""

    domain: str
    rows: int
    ranges: tuple[list[str], list[int], list[datetime], list[datetime]]  # per (wrestler, metric)
    data: bytes  # COPY data, series_sql.SERIES_BINARY_COLUMNS (binary) or SERIES_COLUMNS (CSV)
    binary: bool
    changed_days: bytes


@dataclass(frozen=True)
class PreparedPoints:
    replaced: int  # rows replaced by a later row of the same key in this call
    parts: list[PreparedPart]
    bucket_timezone: str


def prepare_points(points: pl.DataFrame, batch_id: int | None, bucket_timezone: str) -> PreparedPoints:
    """The CPU side of a write (dedupe, sort, encode): pure, so an ingest runs it off the event loop
    for the next chunk while the current one is being written."""
    points = points.select(list(POINT_SCHEMA)).cast(POINT_SCHEMA)  # type: ignore[arg-type]
    deduped = dedupe_last(points)
    parts: list[PreparedPart] = []
    # Domains in name order and rows in key order: concurrent writers take row locks in one order.
    groups = deduped.sort(KEY).group_by(["domain"], maintain_order=True)
    for (domain,), part in sorted(groups, key=lambda g: str(g[0][0])):
        ranges = key_ranges(part)
        binary = copy_binary.can_encode(part)
        parts.append(
            PreparedPart(
                domain=str(domain),
                rows=part.height,
                ranges=(
                    ranges["wrestler_id"].to_list(),
                    ranges["metric_id"].to_list(),
                    ranges["lo"].to_list(),
                    ranges["hi"].to_list(),
                ),
                data=copy_binary.encode(part, batch_id) if binary else series_csv(part, batch_id),
                binary=binary,
                changed_days=changed_days_csv(part, bucket_timezone),
            )
        )
    return PreparedPoints(
        replaced=points.height - deduped.height, parts=parts, bucket_timezone=bucket_timezone
    )


async def write_prepared(conn: PgConn, prepared: PreparedPoints, batch_id: int | None) -> WriteResult:
    """Write prepared points (no refresh). The rows go straight into the hypertable when no stored
    point of their (wrestler, metric) pairs lies in the time range written; otherwise through the
    stage and the upsert that skips unchanged rows."""
    result = WriteResult(unchanged=prepared.replaced)
    if not prepared.parts:
        return result
    await series_sql.create_stage(conn)
    for part in prepared.parts:
        if not await series_sql.may_conflict(conn, part.domain, *part.ranges) and await series_sql.insert_new(
            conn, part.domain, part.data, binary=part.binary
        ):
            await series_sql.record_changed_days(
                conn, part.domain, part.changed_days, prepared.bucket_timezone
            )
            result.inserted += part.rows
            continue
        await conn.execute(f"TRUNCATE {series_sql.STAGE}")
        await series_sql.copy_to_stage(conn, part.data, binary=part.binary)
        counts = await series_sql.upsert_stage(conn, part.domain, batch_id, prepared.bucket_timezone)
        result.inserted += counts.inserted
        result.updated += counts.updated
        result.unchanged += part.rows - counts.inserted - counts.updated
    return result


async def write_points(
    conn: PgConn, points: pl.DataFrame, batch_id: int | None, *, refresh: bool = True
) -> WriteResult:
    """Upsert points and (by default) refresh aggregates, snapshots and scores for what changed."""
    tz = await series_sql.bucket_timezone(conn)
    result = await write_prepared(conn, prepare_points(points, batch_id, tz), batch_id)
    if refresh:
        result.wrestlers = await refresh_derived(conn)
    return result
