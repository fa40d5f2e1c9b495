"""Weight management: rule sets, a wrestler's weight status and plan, the weigh-in ledger, the team
weight board and its settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.base import Wire

FlagRule = Literal["below_plan", "below_floor", "rapid_loss", "ecw_tbw_high"]


class RuleSetOut(Wire):
    id: int
    key: str
    version: int
    name: str
    min_body_fat_male: float | None
    min_body_fat_female: float | None
    weekly_loss_cap: float | None
    cap_basis: Literal["compounding", "linear"]
    usg_max: float | None
    weigh_in: str | None
    unit: Literal["kg", "lb"]
    classes: dict[str, list[float]]
    created_at: str


class RuleSetList(Wire):
    rule_sets: list[RuleSetOut]


class RuleSetRef(Wire):
    id: int
    key: str
    version: int
    name: str


class AssessmentOut(Wire):
    at: str
    weight_kg: float
    body_fat_pct: float
    usg: float | None
    fat_free_mass_kg: float


class FloorOut(Wire):
    min_body_fat_pct: float | None
    weight_kg: float
    source: Literal["rule_set", "team"] | None


class PlanPoint(Wire):
    date: str
    weight_kg: float


class PlanOut(Wire):
    target_class_kg: float
    target_date: str | None
    basis: Literal["compounding", "linear"]
    weekly_loss_cap: float | None
    earliest_date: str | None
    reachable: bool | None
    on_time_for_target_date: bool | None
    line: list[PlanPoint]


class ClassOut(Wire):
    limit_kg: float
    reachable: bool | None
    earliest_date: str | None


class TodayOut(Wire):
    date: str
    weight_kg: float | None
    weighed_at: str | None
    plan_kg: float | None
    status: Literal["on_plan", "below_plan", "below_floor", "rapid_loss", "no_assessment", "no_weight"]


class FlagOut(Wire):
    rule: FlagRule
    date: str
    weight_kg: float | None = Field(description="The weight flagged; null for a scan's ECW/TBW flag")
    limit_kg: float | None = Field(
        description="The plan line, the floor, or the weight a rapid loss started from; null for ECW/TBW"
    )
    detail: dict[str, float | str] = Field(
        description="rapid_loss: lossPct and hours; ecw_tbw_high: ecwTbw and limit (InBody's 0.39)"
    )


class WeightStatus(Wire):
    wrestler_id: str
    rule_set: RuleSetRef | None
    sex: Literal["male", "female"] | None
    style: str | None
    assessment: AssessmentOut | None
    floor: FloorOut | None
    plan: PlanOut | None
    classes: list[ClassOut]
    today: TodayOut
    flags: list[FlagOut]
    notes: list[str]
    formula_version: str


class WeighInOut(Wire):
    id: str
    wrestler_id: str
    weighed_at: str
    weight_kg: float
    source: str
    event: str | None
    recorded_by: str | None
    recorded_by_name: str | None
    recorded_at: str
    supersedes: str | None
    superseded_by: str | None
    reason: str | None
    batch_id: int | None


class WeighInList(Wire):
    weigh_ins: list[WeighInOut]


class BoardRow(Wire):
    wrestler_id: str
    name_en: str
    name_fa: str
    weight_kg: float | None
    weighed_at: str | None
    class_kg: float | None
    floor_kg: float | None
    plan_kg: float | None
    status: str
    flags: list[FlagOut] = Field(description="The most recent flag of each rule in the last 14 days")
    days_to_event: int | None


class WeightBoard(Wire):
    team_id: str
    date: str
    wrestlers: list[BoardRow]
    formula_version: str


class WeightSettings(Wire):
    """A team's choices: the rule set it plans with, a body-fat floor of its own (where the rules set
    none, or a stricter one), and the rapid-loss threshold (more than `rapidLossPct` % of body weight
    within `rapidLossHours`)."""

    rule_set_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    body_fat_floor_override: float | None = Field(default=None, ge=0, lt=50)
    rapid_loss_pct: float = Field(default=2.0, gt=0, le=20)
    rapid_loss_hours: int = Field(default=48, ge=1, le=336)
