"""The metric catalog."""

from __future__ import annotations

from typing import Literal

from api.schemas.base import Wire


class MetricOut(Wire):
    key: str
    wire_name: str
    domain: str
    name: str  # in the caller's locale
    name_fa: str
    name_en: str
    unit: str
    kind: Literal["numeric", "duration", "code"]
    min_value: float | None
    max_value: float | None
    direction: Literal["higher_better", "lower_better", "target"]
    target_low: float | None
    target_high: float | None
    panel: str | None
    custom: bool


class CatalogOut(Wire):
    metrics: list[MetricOut]
    locale: Literal["fa-IR", "en-US"]
