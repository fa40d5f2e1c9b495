"""The AI endpoints: requests, answers (the models of ai.answers, which provider answers are validated
against too) and the insight history."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ai.answers import AdvancedInsight, ChartInsight, TrainingProgram
from api.fields import IdText, Label, Notes
from api.schemas.base import Wire
from db.series_reads import MAX_SERIES_POINTS as MAX_POINTS  # per series, as the series endpoint

__all__ = ["AdvancedInsight", "ChartInsight", "TrainingProgram"]

MAX_SERIES = 20


class ChartData(BaseModel):
    labels: list[Label] | None = Field(default=None, max_length=MAX_POINTS)
    values: list[float | None] | None = Field(default=None, max_length=MAX_POINTS)


class ChartInsightIn(BaseModel):
    wrestlerId: IdText
    chartId: IdText
    chartData: ChartData
    locale: str = Field(default="fa-IR", max_length=10)


class SeriesPoint(BaseModel):
    date: str = Field(max_length=32)
    value: float | None


class SeriesData(BaseModel):
    name: Label
    points: list[SeriesPoint] = Field(max_length=MAX_POINTS)


class AdvancedChartData(BaseModel):
    series: list[SeriesData] = Field(default_factory=list, max_length=MAX_SERIES)


class Baseline(BaseModel):
    value: float
    label: Label = ""


class ThresholdIn(BaseModel):
    label: Label
    value: float


class Context(BaseModel):
    baseline: Baseline | None = None
    thresholds: list[ThresholdIn] = Field(default_factory=list, max_length=20)
    recentNotes: list[Notes] = Field(default_factory=list, max_length=20)


class AdvancedInsightIn(BaseModel):
    wrestlerId: IdText
    section: IdText
    chartId: IdText
    chartData: AdvancedChartData
    context: Context | None = None
    locale: str = Field(default="fa-IR", max_length=10)


class TrainingProgramIn(BaseModel):
    wrestlerId: IdText
    goal: Label
    date: str = Field(max_length=32)
    locale: str = Field(default="fa-IR", max_length=10)
    save: bool = False


class Review(Wire):
    status: Literal["accepted", "rejected", "flagged"]
    note: str | None
    reviewed_at: str | None


class StoredInsight(Wire):
    id: str
    wrestler_id: str
    chart_id: str
    kind: Literal["chart", "advanced", "training"]
    locale: str
    provider: str | None
    model: str | None
    prompt_version: str | None
    created_at: str
    answer: dict[str, Any] | None
    review: Review | None


class InsightList(Wire):
    insights: list[StoredInsight]


class ReviewIn(BaseModel):
    status: Literal["accepted", "rejected", "flagged"]
    note: Notes | None = None
