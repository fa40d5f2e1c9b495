"""The one write path for series points: bulk files, device batches, section POSTs and demo data.

Points arrive as a Polars frame; within one call a later row for the same (wrestler, metric,
recorded_at) replaces an earlier one. Everything runs on the caller's connection, inside the
caller's transaction, so the points and everything derived from them commit together or not at all.
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
            pl.col("recorded_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00"),
            "value",
            "source",
        )
        .write_csv(include_header=False)
        .encode()
    )


async def write_points(
    conn: PgConn, points: pl.DataFrame, batch_id: int | None, *, refresh: bool = True
) -> WriteResult:
    """Upsert points and (by default) refresh aggregates, snapshots and scores for what changed."""
    points = dedupe_last(points.select(list(POINT_SCHEMA)).cast(POINT_SCHEMA))  # type: ignore[arg-type]
    result = WriteResult()
    await series_sql.create_stage(conn)
    for (domain,), part in points.group_by(["domain"], maintain_order=True):
        await conn.execute(f"TRUNCATE {series_sql.STAGE}")
        await series_sql.copy_to_stage(conn, stage_csv(part))
        counts = await series_sql.upsert_stage(conn, str(domain), batch_id)
        result.inserted += counts.inserted
        result.updated += counts.updated
        result.unchanged += part.height - counts.inserted - counts.updated
    if refresh:
        result.wrestlers = await refresh_derived(conn)
    return result
