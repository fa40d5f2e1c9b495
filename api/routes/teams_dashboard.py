"""Routes: the team board, /teams/{teamId}/stats and /teams/{teamId}/athletes (one query each).

Access: admin, or the coach of that team; athletes never (403). An unknown team is 404. Access is
settled (api.access.TeamInScope) before anything is computed, and the queries carry the scope too.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.access import ScopeDep, TeamInScope
from api.connection import Conn
from api.pagination import PageDep
from api.payload_cache import PayloadRoute, TeamPayload
from api.responses import OrjsonResponse
from api.schemas.people import TeamAthletes, TeamStats
from db import team_board as team_board_sql
from query.team_view import TRAINING_WINDOW_WEEKS, athletes_payload, stats_payload

router = APIRouter(prefix="/teams/{teamId}", tags=["teams"], route_class=PayloadRoute)


@router.get("/stats", response_model=TeamStats, dependencies=[TeamPayload])
async def get_team_stats(conn: Conn, team: TeamInScope, scope: ScopeDep) -> OrjsonResponse:
    row = await team_board_sql.team_stats(conn, scope, team["id"])
    assert row is not None  # the team is in scope
    return OrjsonResponse(stats_payload(dict(row)))


@router.get("/athletes", response_model=TeamAthletes, dependencies=[TeamPayload])
async def get_team_athletes(
    conn: Conn,
    team: TeamInScope,
    scope: ScopeDep,
    page: PageDep,
) -> OrjsonResponse:
    rows = await team_board_sql.team_athletes(
        conn, scope, team["id"], page.limit, page.offset, TRAINING_WINDOW_WEEKS
    )
    body, total = athletes_payload([dict(r) for r in rows])
    return OrjsonResponse(body, headers=page.headers(total))
