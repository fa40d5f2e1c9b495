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


class AlertOut(Wire):
    id: int
    wrestler_id: str
    name_en: str
    name_fa: str
    metric: str
    unit: str | None
    date: str
    level: Literal["red", "yellow"]
    real_change: bool
    evidence: AlertEvidence
    computed_at: str


class AlertList(Wire):
    alerts: list[AlertOut]
