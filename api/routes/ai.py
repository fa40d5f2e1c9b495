"""Routes: AI chart insights, advanced insights, training programs (answers from ai.service: cached in
Redis and the database, generated once), the insight history and its review. Access: the body's
wrestler in the caller's scope; reviews by staff. 10 requests a minute per user (docs/API.md §7)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ai.service import AIService
from api.access import ScopeDep, parse_id, wrestler_row
from api.auth import CurrentUser, StaffUser
from api.connection import PooledConn
from api.pagination import PageDep
from api.schemas.ai import (
    AdvancedInsight,
    AdvancedInsightIn,
    ChartInsight,
    ChartInsightIn,
    InsightList,
    ReviewIn,
    StoredInsight,
    TrainingProgram,
    TrainingProgramIn,
)
from api.schemas.common import error_responses
from api.state import State
from api.wire import iso_utc
from core.errors import NotFound
from db import ai_insights as insights_sql

router = APIRouter(prefix="/ai", tags=["ai"])
JSON = "application/json"


def _service(state: Any) -> AIService:
    assert state.ai is not None
    service: AIService = state.ai
    return service


@router.post("/chart-insight", response_model=ChartInsight, responses=error_responses(404, 501))
async def chart_insight(
    body: ChartInsightIn, state: State, conn: PooledConn, user: CurrentUser, scope: ScopeDep
) -> Response:
    wrestler = await wrestler_row(conn, scope, body.wrestlerId)
    answer = await _service(state).chart_insight(
        conn,
        scope,
        user.id,
        wrestler["id"],
        body.chartId,
        body.chartData.labels,
        body.chartData.values,
        body.locale,
    )
    return Response(answer, media_type=JSON)


@router.post("/chart-insight/advanced", response_model=AdvancedInsight, responses=error_responses(404, 501))
async def advanced_insight(
    body: AdvancedInsightIn, state: State, conn: PooledConn, user: CurrentUser, scope: ScopeDep
) -> Response:
    wrestler = await wrestler_row(conn, scope, body.wrestlerId)
    answer = await _service(state).advanced_insight(
        conn,
        scope,
        user.id,
        wrestler["id"],
        body.section,
        body.chartId,
        body.chartData.model_dump(),
        body.context.model_dump() if body.context else {},
        body.locale,
    )
    return Response(answer, media_type=JSON)


@router.post("/training-program", response_model=TrainingProgram, responses=error_responses(404, 501))
async def training_program(
    body: TrainingProgramIn, state: State, conn: PooledConn, user: CurrentUser, scope: ScopeDep
) -> Response:
    """`save: true` also stores the program as the wrestler's program of `date` (then YYYY-MM-DD)."""
    wrestler = await wrestler_row(conn, scope, body.wrestlerId)
    answer = await _service(state).training_program(
        conn, scope, user.id, wrestler, body.goal, body.date, body.locale, body.save
    )
    return Response(answer, media_type=JSON)


def _insight(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "wrestlerId": str(row["wrestler_id"]),
        "chartId": row["chart_id"],
        "kind": row["kind"],
        "locale": row["locale"],
        "provider": row["provider"],
        "model": row["model"],
        "promptVersion": row["prompt_version"],
        "createdAt": iso_utc(row["created_at"]),
        "answer": row["payload"],
        "review": None
        if row["review_status"] is None
        else {
            "status": row["review_status"],
            "note": row["review_note"],
            "reviewedAt": iso_utc(row["reviewed_at"]) if row["reviewed_at"] else None,
        },
    }


@router.get("/insights", response_model=InsightList, responses=error_responses(404))
async def list_insights(
    conn: PooledConn,
    scope: ScopeDep,
    page: PageDep,
    wrestler_id: Annotated[str, Query(alias="wrestlerId", max_length=64)],
    chart_id: Annotated[str | None, Query(alias="chartId", max_length=200)] = None,
) -> dict[str, Any]:
    """A wrestler's stored AI answers, newest first."""
    wrestler = await wrestler_row(conn, scope, wrestler_id)
    rows, total = await insights_sql.insights(conn, scope, wrestler["id"], chart_id, page.limit, page.offset)
    page.total(total)
    return {"insights": [_insight(dict(r)) for r in rows]}


@router.post("/insights/{insightId}/review", response_model=StoredInsight)
async def review_insight(
    insightId: str, body: ReviewIn, state: State, conn: PooledConn, user: StaffUser, scope: ScopeDep
) -> dict[str, Any]:
    """Accept, reject or flag an insight, with a note. A rejected one is not served again: the same
    question is answered anew."""
    iid = parse_id(insightId, "Insight")
    if await insights_sql.insight_wrestler(conn, scope, iid) is None:
        raise NotFound("Insight not found", {"insightId": insightId})
    row = await _service(state).review(conn, scope, iid, body.status, body.note, user.id)
    if row is None:
        raise NotFound("Insight not found", {"insightId": insightId})
    return _insight(row)
