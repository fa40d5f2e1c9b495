"""Routes: the team board, /teams/{teamId}/stats and /teams/{teamId}/athletes (one query each).

Access: admin, or the coach of that team; athletes never (403). An unknown team is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Conn, ScopeDep, StaffUser, parse_id
from api.responses import OrjsonResponse
from core.access import Scope
from core.errors import Forbidden, NotFound
from db import dashboard as dashboard_sql
from query.team_view import TRAINING_WINDOW_WEEKS, athletes_payload, stats_payload

router = APIRouter(prefix="/teams/{teamId}", tags=["teams"])
TeamId = Annotated[str, Path(alias="teamId")]


def _check_team(scope: Scope, team_id: str, exists: bool) -> None:
    if not exists:
        raise NotFound("Team not found", {"teamId": team_id})
    if not scope.allows_team(parse_id(team_id, "Team")):
        raise Forbidden("Coach can only access their own team")


@router.get("/stats")
async def get_team_stats(conn: Conn, user: StaffUser, scope: ScopeDep, team_id: TeamId) -> OrjsonResponse:
    row = await dashboard_sql.team_stats(conn, parse_id(team_id, "Team"))
    _check_team(scope, team_id, row is not None)
    assert row is not None
    return OrjsonResponse(stats_payload(dict(row)))


@router.get("/athletes")
async def get_team_athletes(
    conn: Conn,
    user: StaffUser,
    scope: ScopeDep,
    team_id: TeamId,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OrjsonResponse:
    rows = await dashboard_sql.team_athletes(
        conn, parse_id(team_id, "Team"), limit, offset, TRAINING_WINDOW_WEEKS
    )
    _check_team(scope, team_id, bool(rows))
    body, total = athletes_payload([dict(r) for r in rows])
    return OrjsonResponse(body, headers={"X-Total-Count": str(total)})
