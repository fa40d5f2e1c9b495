"""Routes: the metric catalog (API.md §4), display names in the caller's locale."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from api.deps import Conn, CurrentUser
from api.responses import OrjsonResponse
from db import dashboard as dashboard_sql
from query.catalog_view import catalog_payload
from query.sections import pick_locale

router = APIRouter(tags=["metrics"])


@router.get("/metrics")
async def get_metrics(
    conn: Conn,
    user: CurrentUser,
    accept_language: Annotated[str | None, Header(alias="Accept-Language")] = None,
) -> OrjsonResponse:
    """Every role may read the catalog: it describes metrics, not athletes."""
    rows = await dashboard_sql.metric_catalog(conn)
    return OrjsonResponse(catalog_payload([dict(r) for r in rows], pick_locale(accept_language)))
