"""Section POSTs as series points: one point per field at one timestamp, through the one write path
(ingest.writer.write_points) under an ingest batch of format 'api'."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import polars as pl

from core.errors import ValidationFailed
from db import dashboard as dashboard_sql
from db.types import PgConn
from ingest.writer import POINT_SCHEMA, write_points


def points_frame(
    wrestler_id: UUID, values: dict[str, float], metrics: dict[str, tuple[int, str]], recorded_at: datetime
) -> pl.DataFrame:
    keys = list(values)
    return pl.DataFrame(
        {
            "wrestler_id": [str(wrestler_id)] * len(keys),
            "metric_id": [metrics[k][0] for k in keys],
            "domain": [metrics[k][1] for k in keys],
            "recorded_at": [recorded_at] * len(keys),
            "value": [float(values[k]) for k in keys],
            "source": ["api"] * len(keys),
        },
        schema=POINT_SCHEMA,
    )


async def write_values(
    conn: PgConn, user_id: UUID, wrestler_id: UUID, values: dict[str, float], recorded_at: datetime
) -> int:
    """Write metric values (catalog key → value) of one wrestler at one time; return the batch id."""
    metrics = await dashboard_sql.metric_refs(conn, list(values))
    unknown = sorted(set(values) - set(metrics))
    if unknown:
        raise ValidationFailed("Unknown metrics", {"metrics": unknown})
    batch_id = await dashboard_sql.create_api_batch(conn, user_id, len(values), recorded_at)
    result = await write_points(conn, points_frame(wrestler_id, values, metrics, recorded_at), batch_id)
    await dashboard_sql.finish_api_batch(conn, batch_id, result.inserted, result.updated, result.unchanged)
    return batch_id
