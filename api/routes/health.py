"""Operations: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import asyncpg
from fastapi import APIRouter
from fastapi.responses import Response
from redis.exceptions import RedisError

from api.schemas.common import error_responses
from api.schemas.operations import Health, Ready
from api.state import AppState, State
from core.errors import ServiceUnavailable
from core.version import VERSION
from db import migrate as migrations
from db.types import PgConn

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health)
async def health(state: State) -> dict[str, Any]:
    return {"status": "healthy", "app": state.settings.app_name, "version": VERSION}


async def _database_check(state: AppState) -> tuple[str, str]:
    """(reachability, schema state). A connection the server dropped (it restarted) fails once and is
    replaced by the pool, so one retry tells a database that is back from one that is still away."""
    for attempt in (1, 2):
        try:
            async with state.pool.acquire(timeout=2) as conn:
                applied = await migrations.applied_versions(cast(PgConn, conn))
        except TimeoutError:
            return "timeout", "unknown"
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, ConnectionError):
            if attempt == 2:
                return "unreachable", "unknown"
        except (OSError, asyncpg.PostgresError):
            return "unreachable", "unknown"
        except Exception:  # whatever else: a code, never the text
            return "error", "unknown"
        else:
            return "ok", migrations.schema_state(applied, migrations.known_checksums())
    raise AssertionError("unreachable")


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


@router.get("/ready", response_model=Ready, responses=error_responses(503))
async def ready(state: State) -> dict[str, Any]:
    """For load balancers: 503 only when this instance cannot serve, that is without its database or
    with a schema that lacks this release's migrations (`pending`) or differs from them (`changed`).
    Redis is reported but does not decide: rate limits and caches fall back to the process while it
    is away, so a Redis blip does not pull every instance out of the balancer. Each check answers a
    short code, never the text of an error."""
    (database, schema), redis = await asyncio.gather(_database_check(state), _redis_check(state))
    checks = {"database": database, "migrations": schema, "redis": redis}
    if database != "ok":
        raise ServiceUnavailable("Not ready: the database is not reachable", checks)
    if schema in ("pending", "changed"):
        raise ServiceUnavailable("Not ready: the database schema is not this release's", checks)
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
    state.metrics.observe_pool(state.pool)
    if state.reads is not None:
        state.metrics.observe_replicas(state.reads.replicas)
    state.metrics.rate_limit_fallback.set(int(state.limits is not None and state.limits.using_fallback))
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
