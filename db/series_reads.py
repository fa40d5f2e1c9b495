"""SQL for the generic series read (GET …/series): raw points or day/week/month buckets of the daily
aggregate, one statement, scoped."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import polars as pl

from core.access import Scope
from core.domains import DOMAIN_KEYS
from db.columnar import TZ, arrays, frame
from db.scope import wrestler_guard
from db.types import PgConn

MAX_SERIES_POINTS = 5000

SERIES_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "unit": pl.String,
    "t": pl.Float64,
    "value": pl.Float64,
    "min": pl.Float64,
    "max": pl.Float64,
    "count": pl.Int64,
}
_AGG_SQL = {
    "avg": "sum(d.avg_value * d.sample_count) / sum(d.sample_count)",
    "min": "min(d.min_value)",
    "max": "max(d.max_value)",
    "last": "last(d.last_value, d.last_at)",
    "sum": "sum(d.avg_value * d.sample_count)",
    "count": "sum(d.sample_count)::float8",
}
_PERIOD_SQL = {
    "day": "d.bucket",
    "week": "(date_trunc('week', d.bucket AT TIME ZONE tz.z) AT TIME ZONE tz.z)",
    "month": "(date_trunc('month', d.bucket AT TIME ZONE tz.z) AT TIME ZONE tz.z)",
}


async def series_points(
    conn: PgConn,
    scope: Scope,
    wrestler_id: UUID,
    keys: list[str],
    start: datetime,
    end: datetime,
    bucket: str,
    agg: str,
) -> pl.DataFrame:
    """Points of each metric in [start, end): raw rows, or day/week/month buckets from the daily
    aggregate. At most MAX_SERIES_POINTS + 1 per metric (one more tells the caller it overflowed).
    Every known metric yields at least one row (t null when it has no points)."""
    if bucket == "raw":
        branches = " UNION ALL ".join(
            f"""(SELECT extract(epoch FROM s.recorded_at)::float8 AS t, s.value, NULL::float8 AS mn,
                        NULL::float8 AS mx, 1::bigint AS n
                   FROM {d}_series s
                  WHERE md.domain = '{d}' AND s.wrestler_id = $1 AND s.metric_id = md.id
                    AND s.recorded_at >= $3 AND s.recorded_at < $4
                  ORDER BY s.recorded_at LIMIT {MAX_SERIES_POINTS + 1})"""
            for d in DOMAIN_KEYS
        )
    else:
        period = _PERIOD_SQL[bucket]
        value = _AGG_SQL[agg]
        branches = " UNION ALL ".join(
            f"""(SELECT extract(epoch FROM {period})::float8 AS t, {value} AS value,
                        min(d.min_value) AS mn, max(d.max_value) AS mx, sum(d.sample_count)::bigint AS n
                   FROM {d}_daily d
                  WHERE md.domain = '{d}' AND d.wrestler_id = $1 AND d.metric_id = md.id
                    AND d.bucket >= $3 AND d.bucket < $4
                  GROUP BY 1 ORDER BY 1 LIMIT {MAX_SERIES_POINTS + 1})"""
            for d in DOMAIN_KEYS
        )
    row = await conn.fetchrow(
        f"""SELECT {
            arrays(
                key="md.key", unit="md.unit", t="x.t", value="x.value", min="x.mn", max="x.mx", count="x.n"
            )
        }
              FROM metric_definitions md
              {TZ}
              LEFT JOIN LATERAL ({branches}) x ON true
             WHERE md.key = ANY($2::text[]) AND {wrestler_guard("$1", 5)}""",
        wrestler_id,
        keys,
        start,
        end,
        *scope.params,
    )
    return frame(row, SERIES_SCHEMA)
