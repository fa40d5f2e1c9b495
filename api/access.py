"""Access to the path's wrestler or team, named once (RBAC lives here and in core.access; routes
only name the rule they need).

Rules: admins may do everything; a coach reads and writes the wrestlers of their own team (a coach
without a team sees nothing); an athlete reads only their own wrestler and writes only their own
self-reported data (recovery, supplements, training program). A nonexistent id is 404 for everyone;
an existing one out of scope is 403. Anonymous callers get 401 before either. These are the first
check; every statement on athlete data then carries the caller's scope as well (db/scope.py).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import Depends, Path, Request

from api.auth import CurrentUser
from api.connection import PooledConn
from core.access import Scope
from core.errors import Forbidden, NotFound
from db import teams as teams_sql
from db import wrestlers as wrestlers_sql
from db.types import PgConn


async def get_scope(user: CurrentUser) -> Scope:
    return Scope.for_principal(user)


ScopeDep = Annotated[Scope, Depends(get_scope)]


def parse_id(value: str, what: str = "Wrestler") -> UUID:
    """A path id; one that is not a UUID cannot exist, so it is 404 like any unknown id."""
    try:
        return UUID(value)
    except ValueError as exc:
        raise NotFound(f"{what} not found", {f"{what.lower()}Id": value}) from exc


WrestlerIdPath = Annotated[str, Path(alias="wrestlerId")]
TeamIdPath = Annotated[str, Path(alias="teamId")]


async def _path_wrestler_row(
    request: Request, conn: PgConn, scope: Scope, wrestler_id: str
) -> asyncpg.Record:
    wid = parse_id(wrestler_id)
    prefetched = getattr(request.state, "path_wrestler", None)
    if prefetched is not None and prefetched[0] == wid:
        return check_wrestler(scope, wid, prefetched[1])
    row = await wrestlers_sql.get_wrestler(conn, scope, wid)
    if row is None and await wrestlers_sql.wrestler_exists(conn, wid):
        raise Forbidden("You do not have access to this wrestler", {"wrestlerId": wrestler_id})
    return check_wrestler(scope, wid, row)


async def wrestler_row(conn: PgConn, scope: Scope, wrestler_id: str) -> asyncpg.Record:
    """Read access to a wrestler named in a request body (the AI routes): 404 unknown, 403 out of scope."""
    wid = parse_id(wrestler_id)
    row = await wrestlers_sql.get_wrestler(conn, scope, wid)
    if row is None and await wrestlers_sql.wrestler_exists(conn, wid):
        raise Forbidden("You do not have access to this wrestler", {"wrestlerId": wrestler_id})
    return check_wrestler(scope, wid, row)


def check_wrestler(scope: Scope, wrestler_id: UUID, row: asyncpg.Record | None) -> asyncpg.Record:
    """The wrestler's row if the scope may see it: 404 when it does not exist (for everyone), else 403."""
    if row is None:
        raise NotFound("Wrestler not found", {"wrestlerId": str(wrestler_id)})
    if not scope.allows(row["id"], row["team_id"]):
        raise Forbidden("You do not have access to this wrestler", {"wrestlerId": str(wrestler_id)})
    return row


async def get_wrestler_in_scope(
    request: Request, conn: PooledConn, scope: ScopeDep, wrestler_id: WrestlerIdPath
) -> asyncpg.Record:
    """Read access to the path's wrestler (also the rule for self-reported writes: an athlete's scope
    is their own wrestler)."""
    return await _path_wrestler_row(request, conn, scope, wrestler_id)


WrestlerInScope = Annotated[asyncpg.Record, Depends(get_wrestler_in_scope)]
# Self-reported data (recovery, supplements, training program): whoever may read may write.
WrestlerSelfReported = WrestlerInScope


async def get_wrestler_for_staff_write(
    request: Request, conn: PooledConn, user: CurrentUser, scope: ScopeDep, wrestler_id: WrestlerIdPath
) -> asyncpg.Record:
    """Write access reserved to staff: admin, or the coach of the wrestler's team (404 first)."""
    row = await _path_wrestler_row(request, conn, scope, wrestler_id)
    if user.role not in ("admin", "coach"):
        raise Forbidden(f"Role '{user.role}' may not change this wrestler's data", {"role": user.role})
    return row


WrestlerForStaffWrite = Annotated[asyncpg.Record, Depends(get_wrestler_for_staff_write)]


async def get_team_in_scope(
    conn: PooledConn, user: CurrentUser, scope: ScopeDep, team_id: TeamIdPath
) -> asyncpg.Record:
    """Read access to the path's team: athletes never (403, as the team board's StaffUser rule),
    then 404 when it does not exist, admins any team, coaches their own."""
    if user.role == "athlete":  # no team access at all, whichever the id
        raise Forbidden("Athletes cannot access team data", {"teamId": team_id})
    tid = parse_id(team_id, "Team")
    row = await teams_sql.get_team(conn, scope, tid)
    if row is None:
        if await teams_sql.team_exists(conn, tid):
            raise Forbidden("Coaches can only access their own team", {"teamId": team_id})
        raise NotFound("Team not found", {"teamId": team_id})
    return row


TeamInScope = Annotated[asyncpg.Record, Depends(get_team_in_scope)]


async def get_team_for_admin(
    conn: PooledConn, user: CurrentUser, scope: ScopeDep, team_id: TeamIdPath
) -> asyncpg.Record:
    """Admin-only team writes: athletes 403 (as every team route), 404 for an unknown team, then 403
    for coaches."""
    if user.role == "athlete":
        raise Forbidden("Athletes cannot access team data", {"teamId": team_id})
    tid = parse_id(team_id, "Team")
    if not await teams_sql.team_exists(conn, tid):
        raise NotFound("Team not found", {"teamId": team_id})
    if user.role != "admin":
        raise Forbidden("Admin access required", {"role": user.role})
    row = await teams_sql.get_team(conn, scope, tid)
    assert row is not None
    return row


TeamForAdmin = Annotated[asyncpg.Record, Depends(get_team_for_admin)]
