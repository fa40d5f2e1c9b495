"""The generic series endpoint: guard rails and payload, pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import polars as pl

from core.errors import ValidationFailed
from db.series_reads import MAX_SERIES_POINTS

Bucket = Literal["raw", "day", "week", "month"]
Agg = Literal["avg", "min", "max", "last", "sum", "count"]
MAX_POINTS = MAX_SERIES_POINTS  # what the read returns at most per metric (one more: overflow)
_BUCKET_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 28.0}
_COARSER: dict[str, str] = {"raw": "day", "day": "week", "week": "month", "month": "month"}


def suggest_bucket(start: datetime, end: datetime, current: str) -> str:
    """The finest bucket coarser than `current` that keeps the range within MAX_POINTS."""
    span = (end - start) / timedelta(days=1)
    for b in ("day", "week", "month"):
        if _BUCKET_DAYS[b] > _BUCKET_DAYS.get(current, 0) and span / _BUCKET_DAYS[b] <= MAX_POINTS:
            return b
    return "month"


def check_range(start: datetime, end: datetime, bucket: str) -> None:
    """Refuse up front a bucketed range that must exceed MAX_POINTS per series."""
    if end <= start:
        raise ValidationFailed("`from` must be before `to`", {"query.from": ["must be before to"]})
    if bucket in _BUCKET_DAYS and (end - start) / timedelta(days=1) / _BUCKET_DAYS[bucket] > MAX_POINTS + 1:
        raise too_many(start, end, bucket)


def too_many(start: datetime, end: datetime, bucket: str) -> ValidationFailed:
    suggested = suggest_bucket(start, end, bucket)
    return ValidationFailed(
        f"More than {MAX_POINTS} points per series with bucket={bucket}; ask for bucket={suggested}",
        {
            "query.bucket": [f"too many points; use bucket={suggested} or a shorter range"],
            "suggestedBucket": suggested,
        },
    )


def series_payload(
    points: pl.DataFrame, keys: list[str], bucket: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """`points`: (key, unit, t epoch s, value, min, max, count); a key with no data has one row with
    a null t. Unknown keys → 422; over MAX_POINTS in a series → 422 with the suggested bucket."""
    known = set(points["key"].to_list())
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValidationFailed("Unknown metric", {"query.metric": [f"unknown metric '{k}'" for k in unknown]})
    series = []
    for key in keys:
        part = points.filter((pl.col("key") == key) & pl.col("t").is_not_null()).sort("t")
        if part.height > MAX_POINTS:
            raise too_many(start, end, bucket)
        unit = points.filter(pl.col("key") == key)["unit"][0]
        ts = (
            (part["t"] * 1_000_000)
            .cast(pl.Int64)
            .cast(pl.Datetime("us", "UTC"))
            .dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ")
            .str.replace(r"\.000000Z$", "Z")
        )
        series.append(
            {
                "metric": key,
                "unit": unit,
                "bucket": bucket,
                "points": [
                    {"t": t, "value": v, "min": mn, "max": mx, "count": n}
                    for t, v, mn, mx, n in zip(
                        ts.to_list(),
                        part["value"].to_list(),
                        part["min"].to_list(),
                        part["max"].to_list(),
                        part["count"].to_list(),
                        strict=True,
                    )
                ],
            }
        )
    return {"series": series}
