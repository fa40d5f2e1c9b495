"""Scores."""

from __future__ import annotations

from typing import Literal

from api.schemas.base import Wire

Grade = Literal["good", "warning", "bad"]


class SectionScore(Wire):
    """A section's latest stored score; nulls when none is stored."""

    section: str
    score: float | None
    grade: Grade | None
    last_updated: str | None


class OverallScore(Wire):
    score: float | None
    grade: Grade | None
    last_updated: str | None


class DomainScores(Wire):
    strength: float | None
    endurance: float | None
    recovery: float | None
    body_composition: float | None
    bloodwork: float | None
    supplements: float | None


class Driver(Wire):
    metric: str
    impact: Literal["+", "-"]
    weight: float
    value: float | None
    contribution: float | None


class Explanation(Wire):
    drivers: list[Driver]
    notes: str
