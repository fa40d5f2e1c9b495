"""Training load (descriptive): a wrestler's daily loads and the latest figures with their windows."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.base import Wire


class LoadWindow(Wire):
    from_: str = Field(alias="from")
    to: str
    days: int
    days_with_data: int


class LoadDay(Wire):
    date: str
    load: float | None
    sessions: int
    kinds: list[Literal["srpe", "device"]]
    covered: bool


class LoadWeek(Wire):
    window: LoadWindow
    sd: Literal["sample", "population"]
    status: Literal["ok", "insufficient data"]
    weekly_load: float | None = None
    mean_daily_load: float | None = None
    sd_daily_load: float | None = None
    monotony: float | None = None
    strain: float | None = None


class LoadRatio(Wire):
    status: Literal["ok", "insufficient data"]
    acute: float | None
    chronic: float | None
    ratio: float | None
    acute_window: LoadWindow
    chronic_window: LoadWindow


class LoadEwma(Wire):
    status: Literal["ok", "insufficient data"]
    acute: float | None
    chronic: float | None
    ratio: float | None
    lambda_acute: float
    lambda_chronic: float
    chronic_window: LoadWindow


class LoadSummary(Wire):
    date: str
    week: LoadWeek
    acwr_coupled: LoadRatio
    acwr_uncoupled: LoadRatio
    acwr_ewma: LoadEwma
    label: str
    formula_version: str


class TrainingLoad(Wire):
    wrestler_id: str
    from_: str = Field(alias="from")
    to: str
    days: list[LoadDay]
    latest: LoadSummary
    label: str
    formula_version: str
