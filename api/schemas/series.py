"""The generic series endpoint."""

from __future__ import annotations

from typing import Literal

from api.schemas.base import Wire


class Point(Wire):
    t: str  # UTC instant (a bucket's local start in the bucket time zone)
    value: float | None
    min: float | None
    max: float | None
    count: int


class Series(Wire):
    metric: str
    unit: str
    bucket: Literal["raw", "day", "week", "month"]
    points: list[Point]


class SeriesOut(Wire):
    series: list[Series]
