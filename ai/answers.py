"""The answers of the AI endpoints, as pydantic models: what a provider's JSON is validated against
and what the routes declare. Keys and types are the front end's contract; `evidence` is added to
each answer: the data points every statement rests on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Answer):
    metric: str
    date: str | None
    value: float
    rule: str


class Recommendation(_Answer):
    text: str = Field(max_length=1000)
    priority: Literal["high", "medium", "low"]


class Anomaly(_Answer):
    label: str
    date: str
    value: float


class ChartInsight(_Answer):
    summary: str = Field(max_length=2000)
    patterns: list[str] = Field(max_length=20)
    recommendations: list[Recommendation] = Field(max_length=20)
    warnings: list[str] = Field(max_length=20)
    evidence: list[Evidence] = Field(default_factory=list)


class AdvancedInsight(_Answer):
    summary: str = Field(max_length=2000)
    patterns: list[str] = Field(max_length=20)
    anomalies: list[Anomaly] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(max_length=20)
    confidence: float = Field(ge=0, le=1)
    evidence: list[Evidence] = Field(default_factory=list)


class GeneratedBlock(_Answer):
    name: str = Field(min_length=1, max_length=255)
    sets: int = Field(ge=0, le=100)
    reps: str = Field(max_length=50)


class GeneratedProgram(_Answer):
    date: str
    title: str = Field(max_length=255)
    focus: str = Field(max_length=255)
    blocks: list[GeneratedBlock] = Field(max_length=30)
    nutrition: str | None = Field(default=None, max_length=2000)
    recovery: str | None = Field(default=None, max_length=2000)
    aiRecommendations: list[str] = Field(max_length=20)  # the contract's name


class TrainingProgram(_Answer):
    program: GeneratedProgram
    evidence: list[Evidence] = Field(default_factory=list)
