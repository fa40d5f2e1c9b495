"""The one write path for series points: bulk files, device batches, section POSTs and demo data.

Points arrive as a Polars frame; within one call a later row for the same (wrestler, metric,
recorded_at) replaces an earlier one (the replaced rows are counted as unchanged). Everything runs on
the caller's connection, inside the caller's transaction, so the points and everything derived from
them commit together or not at all.

Speed: rows travel as CSV bytes through COPY, never as per-row Python objects. When no stored point
of the same wrestler and metric lies inside the time range being written, the rows cannot conflict
and are copied straight into the hypertable (the speed of a plain COPY); otherwise they go through a
stage and an upsert that skips unchanged rows. Rows are sorted by key so that concurrent writers
take row locks in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from db import series as series_sql
from db.types import PgConn
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


def stage_csv(points: pl.DataFrame) -> bytes:
    return (
        points.select(
            "wrestler_id",
            "metric_id",
            pl.col("recorded_at").dt.strftime(_TS_FORMAT),
            "value",
            "source",
        )
        .write_csv(include_header=False)
        .encode()
    )


def series_csv(points: pl.DataFrame, batch_id: int | None) -> bytes:
    """Rows in series_sql.SERIES_COLUMNS order."""
    return (
        points.select(
            "wrestler_id",
            "metric_id",
            pl.col("recorded_at").dt.strftime(_TS_FORMAT),
            "value",
            "source",
            pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
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


async def write_points(
    conn: PgConn, points: pl.DataFrame, batch_id: int | None, *, refresh: bool = True
) -> WriteResult:
    """Upsert points and (by default) refresh aggregates, snapshots and scores for what changed."""
    points = points.select(list(POINT_SCHEMA)).cast(POINT_SCHEMA)  # type: ignore[arg-type]
    deduped = dedupe_last(points)
    result = WriteResult(unchanged=points.height - deduped.height)
    if deduped.height:
        await series_sql.create_stage(conn)
        tz = await series_sql.bucket_timezone(conn)
        for (domain,), part in deduped.sort(KEY).group_by(["domain"], maintain_order=True):
            domain = str(domain)
            ranges = key_ranges(part)
            if not await series_sql.may_conflict(
                conn,
                domain,
                ranges["wrestler_id"].to_list(),
                ranges["metric_id"].to_list(),
                ranges["lo"].to_list(),
                ranges["hi"].to_list(),
            ) and await series_sql.insert_new(conn, domain, series_csv(part, batch_id)):
                await series_sql.record_changed_days(conn, domain, changed_days_csv(part, tz))
                result.inserted += part.height
                continue
            await conn.execute(f"TRUNCATE {series_sql.STAGE}")
            await series_sql.copy_to_stage(conn, stage_csv(part))
            counts = await series_sql.upsert_stage(conn, domain, batch_id)
            result.inserted += counts.inserted
            result.updated += counts.updated
            result.unchanged += part.height - counts.inserted - counts.updated
    if refresh:
        result.wrestlers = await refresh_derived(conn)
    return result
