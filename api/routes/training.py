"""Routes: training program (today / replace for a date) and the monthly calendar: a re-POST
replaces the program, every set is kept as sent."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.access import ScopeDep, WrestlerInScope
from api.connection import Conn
from api.fields import Notes
from api.payload_cache import PayloadRoute, WrestlerPayload
from api.responses import OrjsonResponse
from api.schemas.common import Success
from api.schemas.training import Calendar, Program
from api.state import State
from core.errors import ValidationFailed
from db import training as training_sql
from query.training import block_rows, calendar_payload, program_payload

router = APIRouter(prefix="/wrestlers/{wrestlerId}", tags=["training"], route_class=PayloadRoute)


class SetIn(BaseModel):
    reps: int = Field(ge=1, le=100)
    weight: float = Field(ge=0, le=1000)


class ExerciseIn(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    sets: list[SetIn] = Field(default_factory=list, max_length=100)


class ProgramIn(BaseModel):
    date: str = Field(max_length=10)
    readiness: int | None = Field(default=None, ge=1, le=10)
    sessionRPE: int | None = Field(default=None, ge=1, le=10)
    bodyweight: float | None = Field(default=None, ge=30, le=200)
    hydration: float | None = Field(default=None, ge=0, le=10)
    notes: Notes | None = None
    exercises: list[ExerciseIn] = Field(default_factory=list, max_length=100)


@router.get("/training-program", response_model=Program, dependencies=[WrestlerPayload])
async def get_training_program(
    conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep, state: State
) -> OrjsonResponse:
    """Today's program (today in the bucket time zone)."""
    today = state.today()
    row = await training_sql.program_on(conn, scope, wrestler["id"], today)
    return OrjsonResponse(program_payload(today, dict(row) if row else None))


@router.post("/training-program", response_model=Success)
async def post_training_program(
    conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep, body: ProgramIn
) -> dict[str, bool]:
    """Any role may post for a wrestler in its scope (athletes: their own)."""
    try:
        day = date.fromisoformat(body.date)
    except ValueError as exc:
        raise ValidationFailed(
            "Invalid date format", {"body.date": ["Date must be in YYYY-MM-DD format"]}
        ) from exc
    program_id = await training_sql.replace_program(
        conn,
        scope,
        wrestler["id"],
        day,
        {
            "readiness": body.readiness,
            "session_rpe": body.sessionRPE,
            "bodyweight": body.bodyweight,
            "hydration": body.hydration,
            "notes": body.notes,
        },
    )
    assert program_id is not None  # the wrestler is in scope (WrestlerInScope)
    blocks, sets = block_rows([e.model_dump() for e in body.exercises])
    await training_sql.insert_blocks(conn, program_id, blocks, sets)
    return {"success": True}


@router.get("/calendar", response_model=Calendar, dependencies=[WrestlerPayload])
async def get_calendar(
    conn: Conn,
    wrestler: WrestlerInScope,
    scope: ScopeDep,
    state: State,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
    year: Annotated[int | None, Query(ge=2020, le=2100)] = None,
) -> OrjsonResponse:
    if month is None or year is None:
        today = state.today()
        month = month or today.month
        year = year or today.year
    start = date(year, month, 1)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    rows = await training_sql.month_programs(conn, scope, wrestler["id"], start, end)
    return OrjsonResponse(calendar_payload([dict(r) for r in rows]))
