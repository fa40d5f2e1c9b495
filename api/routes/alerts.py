"""Routes: baseline alerts of a wrestler and of a team (computed by the write path, read here), newest
first, since a day (default: 28 days ago), with their evidence. Rules: query/baselines.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import asyncpg
import orjson
from fastapi import APIRouter, Query

from api.access import ScopeDep, TeamInScope, WrestlerInScope
from api.connection import Conn
from api.pagination import PageDep
from api.payload_cache import PayloadRoute, TeamPayload, WrestlerPayload
from api.responses import OrjsonResponse
from api.schemas.alerts import AlertList
from api.state import AppState, State
from api.wire import iso_utc
from db import alerts as alerts_sql

router = APIRouter(tags=["alerts"], route_class=PayloadRoute)
DEFAULT_DAYS = 28
Since = Annotated[date | None, Query(description="First day (default: 28 days ago)")]


def alert_out(r: asyncpg.Record) -> dict[str, Any]:
    stored = r.get("evidence_json")  # a team's page carries the evidence as its stored JSON text
    evidence = orjson.Fragment(stored) if stored is not None else r["evidence"]
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
        "evidence": evidence,
        "computedAt": iso_utc(r["computed_at"]),
    }


def _since(state: AppState, since: date | None) -> date:
    return since or state.today() - timedelta(days=DEFAULT_DAYS)


@router.get("/wrestlers/{wrestlerId}/alerts", response_model=AlertList, dependencies=[WrestlerPayload])
async def get_wrestler_alerts(
    wrestler: WrestlerInScope, scope: ScopeDep, conn: Conn, page: PageDep, state: State, since: Since = None
) -> dict[str, Any]:
    rows, total = await alerts_sql.wrestler_alerts(
        conn, scope, wrestler["id"], _since(state, since), page.limit, page.offset
    )
    page.total(total)
    return {"alerts": [alert_out(r) for r in rows]}


@router.get("/teams/{teamId}/alerts", response_model=AlertList, dependencies=[TeamPayload])
async def get_team_alerts(
    team: TeamInScope, scope: ScopeDep, conn: Conn, page: PageDep, state: State, since: Since = None
) -> OrjsonResponse:
    rows, total = await alerts_sql.team_alerts(
        conn, scope, team["id"], _since(state, since), page.limit, page.offset
    )
    # A page of a team's alerts is a hundred evidence documents: their stored JSON goes out as it is
    # (orjson fragments), unparsed and unvalidated on each view; the contract tests hold it to AlertList.
    return OrjsonResponse({"alerts": [alert_out(r) for r in rows]}, headers=page.headers(total))
