"""The FastAPI application: lifespan-owned resources, middleware, error handlers, routers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import sentry_sdk
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from redis.asyncio import Redis

from ai.adapter import create_adapter
from ai.metrics import AIMetrics
from ai.service import AIService
from api import openapi, routes
from api.errors import install_error_handlers
from api.middleware import BodyLimitMiddleware, RateLimitMiddleware, RequestContextMiddleware
from api.payload_cache import PayloadCache
from api.prometheus import ApiMetrics
from api.ratelimit import RateLimits
from api.replica_routing import ReadRouting, ReplicaRoutingMiddleware
from api.responses import OrjsonResponse
from api.revocation import purge_expired
from api.state import AppState
from core.config import Settings, get_settings
from core.logging import configure_logging, get_logger
from core.version import VERSION
from db import series as series_sql
from db.connection import create_pool, redis_url
from db.replicas import ReplicaSet
from db.types import PgConn, PgPool
from ingest.refresh import finish_after_commit

log = get_logger("wrestle.app")
API_DESCRIPTION = (
    "Time-series analytics for wrestling teams. Conventions (names, dates and time zones, errors,"
    " pagination, rate-limit headers, locale): docs/API.md in the repository. Authenticate with"
    " POST /api/v1/auth/login and send `Authorization: Bearer <accessToken>`."
)


def init_sentry(settings: Settings) -> bool:
    if not settings.sentry_dsn:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.app_env,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        send_default_pii=False,  # no emails, IPs or cookies
        max_request_body_size="never",  # bodies carry passwords, tokens and health values
    )
    return True


async def _purge_periodically(state: AppState) -> None:
    while True:
        try:
            await purge_expired(state)
        except Exception as exc:  # a failed purge must not stop the next one
            log.warning("revocation_purge_failed", error=type(exc).__name__)
        await asyncio.sleep(state.settings.purge_interval_seconds)


async def _finish_refreshes_periodically(state: AppState) -> None:
    """Continuous-aggregate refreshes a crash left queued between a commit and its refresh (the
    queue is empty on the Apache edition: one cheap query per interval)."""
    while True:
        await asyncio.sleep(state.settings.aggregate_refresh_interval_seconds)
        try:
            async with state.pool.acquire() as conn:
                await finish_after_commit(cast(PgConn, conn))
        except Exception as exc:  # the next round retries
            log.warning("aggregate_refresh_failed", error=type(exc).__name__)


async def _bucket_timezone(pool: PgPool) -> str:
    """The zone the daily aggregates bucket days in: fixed when they are created, so read once."""
    async with pool.acquire() as conn:
        return await series_sql.bucket_timezone(cast(PgConn, conn))


def _without_docs(**kwargs: Any) -> FastAPI:
    return FastAPI(**{**kwargs, "docs_url": None, "openapi_url": None})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    init_sentry(settings)
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(settings)
        metrics.observe_pool(pool)  # every worker's pool counts from the start, not from its first request
        redis = Redis.from_url(redis_url(settings), socket_timeout=0.5, socket_connect_timeout=0.5)
        bucket_timezone = await _bucket_timezone(pool)
        adapter = create_adapter(settings)
        replicas = await ReplicaSet.open(settings, pool)
        if replicas is not None:
            await replicas.poll()  # serve from the replicas from the first request
        state = AppState(
            settings=settings,
            pool=pool,
            redis=redis,
            limits=RateLimits(settings, redis),
            metrics=metrics,
            bucket_timezone=bucket_timezone,
            upload_slots=asyncio.Semaphore(settings.ingest_concurrency),
            ai=AIService(settings, redis, adapter, AIMetrics(metrics.registry), bucket_timezone),
            reads=None if replicas is None else ReadRouting(settings, pool, replicas, redis),
            payloads=PayloadCache(settings, redis) if settings.payload_cache_enabled else None,
        )
        app.state.wrestle = state
        jobs = [
            asyncio.create_task(_purge_periodically(state)),
            asyncio.create_task(_finish_refreshes_periodically(state)),
        ]
        if replicas is not None:
            jobs.append(asyncio.create_task(replicas.run()))
        try:
            yield
        finally:
            for job in jobs:
                job.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job
            await adapter.aclose()
            await redis.aclose()
            if replicas is not None:
                await replicas.close()
            await pool.close()
            metrics.process_exited()

    # Swagger UI's assets are served by the service itself (fastapi-offline ships them): /docs works
    # on a network that cannot reach a CDN. DOCS_ENABLED=false removes /docs and /openapi.json.
    factory = FastAPIOffline if settings.docs_enabled else _without_docs
    app = factory(
        docs_url="/docs",
        redoc_url=None,
        title=settings.app_name,
        version=VERSION,
        description=API_DESCRIPTION,
        default_response_class=OrjsonResponse,
        generate_unique_id_function=openapi.operation_id,
        lifespan=lifespan,
        debug=False,
        swagger_ui_parameters={"persistAuthorization": True},
    )
    # add_middleware wraps: the last added is the outermost.
    if settings.database_read_urls:
        app.add_middleware(ReplicaRoutingMiddleware)
    app.add_middleware(RateLimitMiddleware, settings=settings)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(RequestContextMiddleware, settings=settings, metrics=metrics)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=[
            "X-Request-ID",
            "X-Total-Count",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
            "Retry-After",
        ],
        max_age=600,
    )
    install_error_handlers(app)
    routes.include_all(app, settings)
    openapi.install(app, settings.api_v1_prefix)
    return app
