"""Training programs and the calendar."""

from __future__ import annotations

from pydantic import Field

from api.schemas.base import Wire


class SetOut(Wire):
    reps: int
    weight: float


class ExerciseOut(Wire):
    name: str
    sets: list[SetOut]


class Program(Wire):
    date: str
    readiness: int | None
    session_rpe: int | None = Field(alias="sessionRPE")
    bodyweight: float | None
    hydration: float | None
    notes: str | None
    exercises: list[ExerciseOut]


class Block(Wire):
    name: str
    sets: int
    reps: str


class CalendarEntry(Wire):
    date: str
    title: str | None
    focus: str | None
    blocks: list[Block]
    nutrition: str | None
    recovery: str | None
    ai_recommendations: list[str]


class Calendar(Wire):
    programs: list[CalendarEntry]
