"""Operations: liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

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
