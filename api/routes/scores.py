"""Routes: overall score, domain scores and the explanation (docs/API.md §9), from the stored
scores that the write path computes (query.score_refresh)."""

from __future__ import annotations

from fastapi import APIRouter

from api.access import ScopeDep, WrestlerInScope
from api.connection import Conn
from api.payload_cache import PayloadRoute, WrestlerPayload
from api.responses import OrjsonResponse
from api.schemas.scores import DomainScores, Explanation, OverallScore
from db import scores as scores_sql
from query.score_view import domains_payload, explanation_payload, overall_payload

router = APIRouter(prefix="/wrestlers/{wrestlerId}/scores", tags=["scores"], route_class=PayloadRoute)


@router.get("/overall", response_model=OverallScore, dependencies=[WrestlerPayload])
async def get_overall_score(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
    rows = await scores_sql.overall_history(conn, scope, wrestler["id"], 1)
    return OrjsonResponse(overall_payload(dict(rows[0]) if rows else None))


@router.get("/domains", response_model=DomainScores, dependencies=[WrestlerPayload])
async def get_domain_scores(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
    rows = await scores_sql.latest_by_section(conn, scope, wrestler["id"])
    return OrjsonResponse(domains_payload({r["section_key"]: float(r["score"]) for r in rows}))


@router.get("/explanation", response_model=Explanation, dependencies=[WrestlerPayload])
async def get_score_explanation(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
    rows = await scores_sql.overall_drivers(conn, scope, wrestler["id"])
    return OrjsonResponse(explanation_payload([dict(r) for r in rows]))
