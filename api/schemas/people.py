"""Wrestlers, teams and the team board."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.base import Wire
from api.schemas.training_load import LoadSummary

WrestlerStatus = Literal["competition_ready", "normal", "attention"]


class WrestlerOut(Wire):
    id: str
    name_fa: str
    name_en: str
    weight_class: int
    image_url: str | None
    status: WrestlerStatus
    team_id: str | None
    created_at: str
    sex: Literal["male", "female"] | None
    date_of_birth: str | None
    style: str | None


class WrestlerList(Wire):
    wrestlers: list[WrestlerOut]


class TeamOut(Wire):
    id: str
    name: str
    created_at: str
    total_athletes: int | None = None


class TeamList(Wire):
    teams: list[TeamOut]


class TeamStats(Wire):
    total_athletes: int
    average_score: float | None
    competition_ready: int
    needs_attention: int


class Insight(Wire):
    label: str
    type: Literal["success", "warning", "info"]


class AthleteCard(Wire):
    id: str
    name_fa: str
    weight_class: int
    overall_score: float | None
    current_activity: None
    insights: list[Insight]
    training_week: int | None
    total_weeks: int | None
    training_load: LoadSummary | None = Field(
        None,
        description="The latest training-load figures (descriptive), as of their `date`; null without any",
    )


class TeamAthletes(Wire):
    athletes: list[AthleteCard]
