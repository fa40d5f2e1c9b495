"""Routes: teams (writes, GET /teams and GET /teams/{teamId}). Admins see and
manage every team; a coach sees their own team; athletes have no team access. The team board
(/teams/{teamId}/stats and /athletes) lives in teams_dashboard.py."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.access import ScopeDep, TeamForAdmin, TeamInScope
from api.auth import AdminUser, StaffUser
from api.connection import Conn
from api.pagination import PageDep
from api.schemas.common import Success
from api.schemas.people import TeamList, TeamOut
from api.wire import iso_utc
from db import teams as teams_sql

router = APIRouter(prefix="/teams", tags=["teams"])


class TeamCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)


class TeamUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)


def team_out(row: asyncpg.Record, total_athletes: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(row["id"]), "name": row["name"], "createdAt": iso_utc(row["created_at"])}
    if total_athletes is not None:
        out["totalAthletes"] = total_athletes
    return out


@router.get("", response_model=TeamList)
async def list_teams(
    user: StaffUser,
    scope: ScopeDep,
    conn: Conn,
    page: PageDep,
) -> dict[str, Any]:
    """Ordered by (name, id); the total is in X-Total-Count. A teamless coach gets an empty list."""
    rows, total = await teams_sql.list_teams(conn, scope, page.limit, page.offset)
    page.total(total)
    return {"teams": [team_out(r, r["total_athletes"]) for r in rows]}


@router.post("", status_code=201, response_model=TeamOut)
async def create_team(admin: AdminUser, conn: Conn, body: TeamCreate) -> dict[str, Any]:
    return team_out(await teams_sql.insert_team(conn, body.name))


@router.get("/{teamId}", response_model=TeamOut)
async def get_team(team: TeamInScope, scope: ScopeDep, conn: Conn) -> dict[str, Any]:
    return team_out(team, await teams_sql.count_athletes(conn, scope, team["id"]))


@router.put("/{teamId}", response_model=Success)
async def update_team(team: TeamForAdmin, conn: Conn, body: TeamUpdate) -> dict[str, bool]:
    if body.name is not None:
        await teams_sql.rename_team(conn, team["id"], body.name)
    return {"success": True}


@router.delete("/{teamId}", response_model=Success)
async def delete_team(team: TeamForAdmin, conn: Conn) -> dict[str, bool]:
    """The team's wrestlers and coaches stay, without a team."""
    await teams_sql.delete_team(conn, team["id"])
    return {"success": True}
