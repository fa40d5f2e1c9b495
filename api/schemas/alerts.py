"""Baseline alerts and their evidence."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.base import Wire


class AlertWindow(Wire):
    from_: str | None = Field(alias="from")
    to: str | None
    days: int
    days_with_data: int


class AlertEvidence(Wire):
    value: float
    date: str
    window: AlertWindow
    mean: float | None
    sd: float | None
    median: float | None
    mad: float | None
    z: float | None
    robust_z: float | None
    change: float | None
    swc: float | None
    swc_source: str
    typical_error: float | None
    typical_error_source: str
    k: float
    rules: list[str]
    formula_version: str
    transform: str | None = Field(
        None, description="How the day's values were read (heart-rate variability: a 7-day mean of ln rMSSD)"
    )
    raw_value: float | None = Field(None, description="The day's own reading, where `value` is transformed")
    week_readings: int | None = Field(None, description="Readings in the 7 days of a transformed value")


class AlertOut(Wire):
    id: int
    wrestler_id: str
    name_en: str
    name_fa: str
    metric: str
    unit: str | None
    date: str
    level: Literal["red"] = Field(description="Always red: an alert is a red day whose change is real")
    real_change: bool
    evidence: AlertEvidence
    computed_at: str


class AlertList(Wire):
    alerts: list[AlertOut]
