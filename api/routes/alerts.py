"""Routes: baseline alerts of a wrestler and of a team (computed by the write path, read here), newest
first, since a day (default: 28 days ago), with their evidence. Rules: query/baselines.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query

from api.access import ScopeDep, TeamInScope, WrestlerInScope
from api.connection import Conn
from api.pagination import PageDep
from api.schemas.alerts import AlertList
from api.wire import iso_utc
from db import alerts as alerts_sql
from db import training as training_sql

router = APIRouter(tags=["alerts"])
DEFAULT_DAYS = 28
Since = Annotated[date | None, Query(description="First day (default: 28 days ago)")]


def alert_out(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": r["id"],
        "wrestlerId": str(r["wrestler_id"]),
        "nameEn": r["name_en"],
        "nameFa": r["name_fa"],
        "metric": r["metric"],
        "unit": r["unit"],
        "date": r["day"].isoformat(),
        "level": r["level"],
        "realChange": r["real_change"],
        "evidence": r["evidence"],
        "computedAt": iso_utc(r["computed_at"]),
    }


async def _since(conn: Any, since: date | None) -> date:
    return since or (await training_sql.local_today(conn)) - timedelta(days=DEFAULT_DAYS)


@router.get("/wrestlers/{wrestlerId}/alerts", response_model=AlertList)
async def get_wrestler_alerts(
    wrestler: WrestlerInScope, scope: ScopeDep, conn: Conn, page: PageDep, since: Since = None
) -> dict[str, Any]:
    rows, total = await alerts_sql.wrestler_alerts(
        conn, scope, wrestler["id"], await _since(conn, since), page.limit, page.offset
    )
    page.total(total)
    return {"alerts": [alert_out(r) for r in rows]}


@router.get("/teams/{teamId}/alerts", response_model=AlertList)
async def get_team_alerts(
    team: TeamInScope, scope: ScopeDep, conn: Conn, page: PageDep, since: Since = None
) -> dict[str, Any]:
    rows, total = await alerts_sql.team_alerts(
        conn, scope, team["id"], await _since(conn, since), page.limit, page.offset
    )
    page.total(total)
    return {"alerts": [alert_out(r) for r in rows]}
