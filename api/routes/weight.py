"""Routes: weight management. Rule sets (everyone reads, admins add), a wrestler's weight status and
plan (staff set it), the official weigh-in ledger (staff record and correct; a correction supersedes,
never overwrites), a team's weight board and settings. Arithmetic and sources: query/weight.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.access import ScopeDep, TeamInScope, WrestlerForStaffWrite, WrestlerInScope, parse_id
from api.auth import AdminUser, CurrentUser, StaffUser
from api.connection import Conn, PooledConn
from api.fields import Label, Name, Notes
from api.pagination import PageDep
from api.payload_cache import PayloadRoute, TeamPayload, WrestlerPayload
from api.responses import OrjsonResponse
from api.schemas.common import error_responses
from api.schemas.training_load import TrainingLoad
from api.schemas.weight import (
    RuleSetList,
    RuleSetOut,
    WeighInList,
    WeighInOut,
    WeightBoard,
    WeightSettings,
    WeightStatus,
)
from api.state import AppState, State
from api.wire import id_or_none, iso_utc
from core.access import Scope
from core.errors import Conflict, NotFound, ValidationFailed
from core.timezones import as_utc
from db import weight as weight_sql
from db.types import PgConn
from ingest.validate import Actor
from ingest.weigh_ins import correct_weigh_in, record_weigh_in
from query.load_report import training_load_report
from query.weight_status import change_team_settings, team_board, wrestler_status

router = APIRouter(tags=["weight"], route_class=PayloadRoute)
Kg = Annotated[float, Field(ge=20, le=250, allow_inf_nan=False)]
Percent = Annotated[float, Field(ge=0, lt=50, allow_inf_nan=False)]


class RuleSetIn(BaseModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: Name
    minBodyFatMale: Percent | None = None
    minBodyFatFemale: Percent | None = None
    weeklyLossCap: float | None = Field(
        default=None, gt=0, le=0.1, description="fraction per week, 0.015 = 1.5 %"
    )
    capBasis: str = Field(default="compounding", pattern="^(compounding|linear)$")
    usgMax: float | None = Field(default=None, ge=1.0, le=1.04)
    weighIn: str | None = Field(default=None, max_length=1000)
    unit: str = Field(pattern="^(kg|lb)$")
    classes: dict[
        Annotated[str, Field(pattern=r"^[a-z_]{0,32}$")], list[Annotated[float, Field(gt=0, le=600)]]
    ] = Field(min_length=1, max_length=10)


class PlanIn(BaseModel):
    targetClassKg: Kg
    targetDate: date | None = None


class WeighInIn(BaseModel):
    weighedAt: datetime = Field(description="An offset, or wall-clock time in DEFAULT_TIMEZONE")
    weightKg: Kg
    source: Label = Field(min_length=1, description="The scale or source")
    event: Label | None = None


class CorrectionIn(BaseModel):
    weightKg: Kg
    reason: Notes = Field(min_length=1)
    source: Label | None = None
    event: Label | None = None


def rule_set_out(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "key": r["key"],
        "version": r["version"],
        "name": r["name"],
        "minBodyFatMale": r["min_body_fat_male"],
        "minBodyFatFemale": r["min_body_fat_female"],
        "weeklyLossCap": r["weekly_loss_cap"],
        "capBasis": r["cap_basis"],
        "usgMax": r["usg_max"],
        "weighIn": r["weigh_in"],
        "unit": r["unit"],
        "classes": r["classes"],
        "createdAt": iso_utc(r["created_at"]),
    }


def weigh_in_out(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(r["id"]),
        "wrestlerId": str(r["wrestler_id"]),
        "weighedAt": iso_utc(r["weighed_at"]),
        "weightKg": r["weight_kg"],
        "source": r["source"],
        "event": r["event"],
        "recordedBy": id_or_none(r["recorded_by"]),
        "recordedByName": r["recorded_by_name"],
        "recordedAt": iso_utc(r["recorded_at"]),
        "supersedes": id_or_none(r["supersedes"]),
        "supersededBy": id_or_none(r["superseded_by"]),
        "reason": r["reason"],
        "batchId": r["batch_id"],
    }


@router.get("/rule-sets", response_model=RuleSetList)
async def list_rule_sets(user: CurrentUser, conn: Conn) -> dict[str, Any]:
    return {"ruleSets": [rule_set_out(r) for r in await weight_sql.rule_sets(conn)]}


@router.post("/rule-sets", status_code=201, response_model=RuleSetOut)
async def create_rule_set(admin: AdminUser, conn: Conn, body: RuleSetIn) -> dict[str, Any]:
    """A new rule set, or the next version of an existing key (teams keep the version they chose)."""
    row = await weight_sql.insert_rule_set(
        conn,
        {
            "key": body.key,
            "name": body.name,
            "min_body_fat_male": body.minBodyFatMale,
            "min_body_fat_female": body.minBodyFatFemale,
            "weekly_loss_cap": body.weeklyLossCap,
            "cap_basis": body.capBasis,
            "usg_max": body.usgMax,
            "weigh_in": body.weighIn,
            "unit": body.unit,
            "classes": body.classes,
        },
        admin.id,
    )
    assert row is not None
    return rule_set_out(row)


async def _status(conn: PgConn, scope: Scope, state: AppState, wrestler_id: UUID) -> dict[str, Any]:
    out = await wrestler_status(conn, scope, wrestler_id, state.today(), state.zone)
    assert out is not None  # the access dependency found the wrestler in scope
    return out


@router.get(
    "/wrestlers/{wrestlerId}/weight-plan", response_model=WeightStatus, dependencies=[WrestlerPayload]
)
async def get_weight_plan(
    wrestler: WrestlerInScope, scope: ScopeDep, conn: Conn, state: State
) -> dict[str, Any]:
    """The latest valid assessment, the floor, the plan line to the target class, the earliest day
    of each class, today's status and the flags of the last 14 days."""
    return await _status(conn, scope, state, wrestler["id"])


@router.put("/wrestlers/{wrestlerId}/weight-plan", response_model=WeightStatus)
async def put_weight_plan(
    wrestler: WrestlerForStaffWrite, user: StaffUser, scope: ScopeDep, conn: Conn, state: State, body: PlanIn
) -> dict[str, Any]:
    await weight_sql.set_plan(conn, scope, wrestler["id"], body.targetClassKg, body.targetDate, user.id)
    return await _status(conn, scope, state, wrestler["id"])


@router.get("/wrestlers/{wrestlerId}/weigh-ins", response_model=WeighInList, dependencies=[WrestlerPayload])
async def list_weigh_ins(
    wrestler: WrestlerInScope, scope: ScopeDep, conn: Conn, page: PageDep
) -> dict[str, Any]:
    """The ledger, newest first: corrections and the records they superseded."""
    rows, total = await weight_sql.weigh_ins(conn, scope, wrestler["id"], page.limit, page.offset)
    page.total(total)
    return {"weighIns": [weigh_in_out(r) for r in rows]}


@router.post("/wrestlers/{wrestlerId}/weigh-ins", status_code=201, response_model=WeighInOut)
async def post_weigh_in(
    wrestler: WrestlerForStaffWrite,
    user: StaffUser,
    scope: ScopeDep,
    conn: PooledConn,
    state: State,
    body: WeighInIn,
) -> dict[str, Any]:
    """An official weigh-in; it also lands as a weight point (the catalog's range applies)."""
    zone = state.settings.default_timezone
    row = await record_weigh_in(
        conn,
        Actor.for_principal(user),
        scope,
        wrestler["id"],
        as_utc(body.weighedAt, zone),
        body.weightKg,
        body.source,
        body.event,
        user.id,
        timezone=zone,
    )
    return weigh_in_out(row)


@router.post(
    "/weigh-ins/{weighInId}/corrections",
    status_code=201,
    response_model=WeighInOut,
    responses=error_responses(409),
)
async def post_correction(
    weigh_in_id: Annotated[str, Path(alias="weighInId", max_length=64)],
    user: StaffUser,
    scope: ScopeDep,
    conn: PooledConn,
    state: State,
    body: CorrectionIn,
) -> dict[str, Any]:
    """A correction supersedes the record (which stays in the ledger) with a reason; 409 when the
    record was already corrected (correct the correction instead)."""
    original = await weight_sql.weigh_in(conn, scope, parse_id(weigh_in_id, "WeighIn"))
    if original is None:
        raise NotFound("Weigh-in not found", {"weighInId": weigh_in_id})
    row = await correct_weigh_in(
        conn,
        Actor.for_principal(user),
        scope,
        original,
        body.weightKg,
        body.source,
        body.event,
        body.reason,
        user.id,
        timezone=state.settings.default_timezone,
    )
    return weigh_in_out(row)


@router.get("/teams/{teamId}/weight-board", response_model=WeightBoard, dependencies=[TeamPayload])
async def get_weight_board(team: TeamInScope, scope: ScopeDep, conn: Conn, state: State) -> OrjsonResponse:
    """Every wrestler: the latest weight, class, floor, today's plan point and status, the most recent
    flag of each rule in the last 14 days, and the days to the target date."""
    # Rendered here rather than validated against WeightBoard on every view (as the team board
    # does): the contract tests hold the payload to the model.
    return OrjsonResponse(await team_board(conn, scope, team["id"], state.today(), state.zone))


def _settings_out(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "ruleSetId": row["rule_set_id"],
        "bodyFatFloorOverride": row["body_fat_floor_override"],
        "rapidLossPct": row["rapid_loss_pct"],
        "rapidLossHours": row["rapid_loss_hours"],
    }


@router.get("/teams/{teamId}/weight-settings", response_model=WeightSettings, dependencies=[TeamPayload])
async def get_weight_settings(team: TeamInScope, scope: ScopeDep, conn: Conn) -> dict[str, Any]:
    row = await weight_sql.team_settings(conn, scope, team["id"])
    assert row is not None
    return _settings_out(row)


@router.put("/teams/{teamId}/weight-settings", response_model=WeightSettings)
async def put_weight_settings(
    team: TeamInScope, user: StaffUser, scope: ScopeDep, conn: Conn, state: State, body: WeightSettings
) -> dict[str, Any]:
    """Admins and the team's coaches choose the rule set and thresholds the team plans with."""
    if body.rule_set_id is not None and not await weight_sql.rule_set_exists(conn, body.rule_set_id):
        raise ValidationFailed(
            "Unknown rule set", {"body.ruleSetId": [f"Rule set {body.rule_set_id} does not exist"]}
        )
    row = await change_team_settings(
        conn,
        scope,
        team["id"],
        body.rule_set_id,
        body.body_fat_floor_override,
        body.rapid_loss_pct,
        body.rapid_loss_hours,
        state.today(),
        state.zone,
    )
    if row is None:
        raise Conflict("The team changed meanwhile")
    return _settings_out(row)


MAX_LOAD_DAYS = 366


@router.get(
    "/wrestlers/{wrestlerId}/training-load", response_model=TrainingLoad, dependencies=[WrestlerPayload]
)
async def get_training_load(
    wrestler: WrestlerInScope,
    scope: ScopeDep,
    conn: Conn,
    state: State,
    from_: Annotated[date | None, Query(alias="from", description="Default: 27 days before `to`")] = None,
    to: Annotated[date | None, Query(description="Default: today (bucket time zone)")] = None,
) -> dict[str, Any]:
    """Daily load (sRPE, or a device's load where RPE is missing) and, for the last day, weekly load,
    monotony, strain and acute:chronic ratios (coupled, uncoupled, EWMA), each with its window and
    coverage. Descriptive only; at most 366 days."""
    last = to or state.today()
    first = from_ or last - timedelta(days=27)
    if first > last or (last - first).days >= MAX_LOAD_DAYS:
        raise ValidationFailed(
            f"from must be on or before to, at most {MAX_LOAD_DAYS} days apart",
            {"query.from": [f"{first.isoformat()} to {last.isoformat()}"]},
        )
    return await training_load_report(conn, scope, wrestler["id"], first, last, state.zone)
