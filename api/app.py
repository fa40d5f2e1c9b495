"""The FastAPI application: lifespan-owned resources, middleware, error handlers, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from redis.asyncio import Redis

from api import routes
from api.deps import AppState
from api.errors import install_error_handlers
from api.responses import OrjsonResponse
from core.config import Settings, get_settings
from core.logging import configure_logging
from db.connection import create_pool, redis_url


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(settings)
        redis = Redis.from_url(redis_url(settings), socket_timeout=0.5, socket_connect_timeout=0.5)
        app.state.wrestle = AppState(settings=settings, pool=pool, redis=redis)
        try:
            yield
        finally:
            await redis.aclose()
            await pool.close()

    app = FastAPI(
        title=settings.app_name,
        version="1.0.0",
        default_response_class=OrjsonResponse,
        lifespan=lifespan,
        debug=False,
    )
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
    return app
