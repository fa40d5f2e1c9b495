"""Operations: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import State
from api.responses import OrjsonResponse
from core.errors import ServiceUnavailable

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health(state: State) -> dict[str, Any]:
    return {"status": "healthy", "app": state.settings.app_name, "version": "1.0.0"}


@router.get("/ready", response_class=OrjsonResponse)
async def ready(state: State) -> dict[str, Any]:
    problems: dict[str, str] = {}
    try:
        async with state.pool.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1")
    except Exception as exc:
        problems["database"] = str(exc) or type(exc).__name__
    try:
        await state.redis.ping()
    except Exception as exc:
        problems["redis"] = str(exc) or type(exc).__name__
    if problems:
        raise ServiceUnavailable("Not ready", problems)
    return {"status": "ready", "database": "ok", "redis": "ok"}


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(state: State) -> Response:
    """Prometheus text format. Public like /health: it holds counts and latencies by route template,
    never ids or values (restrict it at the proxy if even that is too much)."""
    assert state.metrics is not None
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
