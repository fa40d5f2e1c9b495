"""Operations: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from fastapi import APIRouter
from fastapi.responses import Response
from redis.exceptions import RedisError

from api.schemas.operations import Health, Ready
from api.state import AppState, State
from core.errors import ServiceUnavailable
from core.version import VERSION

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health)
async def health(state: State) -> dict[str, Any]:
    return {"status": "healthy", "app": state.settings.app_name, "version": VERSION}


async def _database_check(state: AppState) -> str:
    try:
        async with state.pool.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1", timeout=2)
    except TimeoutError:
        return "timeout"
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return "unreachable"
    except Exception:  # whatever else: a code, never the text
        return "error"
    return "ok"


async def _redis_check(state: AppState) -> str:
    try:
        await state.redis.ping()
    except TimeoutError:
        return "timeout"
    except (OSError, RedisError):
        return "unreachable"
    except Exception:
        return "error"
    return "ok"


@router.get("/ready", response_model=Ready)
async def ready(state: State) -> dict[str, Any]:
    """For load balancers: 503 only when this instance cannot serve, that is without its database.
    Redis is reported but does not decide: rate limits and caches fall back to the process while it
    is away. Each check answers a short code (`ok`, `timeout`, `unreachable`, `error`), never the
    text of an error."""
    database, redis = await asyncio.gather(_database_check(state), _redis_check(state))
    checks = {"database": database, "redis": redis}
    if database != "ok":
        raise ServiceUnavailable("Not ready: the database is not reachable", checks)
    return {"status": "ready" if redis == "ok" else "degraded", **checks}


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format (version 0.0.4)",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(state: State) -> Response:
    """Prometheus text format. Public like /health: it holds counts and latencies by route template,
    never ids or values (restrict it at the proxy if even that is too much)."""
    assert state.metrics is not None
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
