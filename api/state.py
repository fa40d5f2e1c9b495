"""The application's state (created by the lifespan in api.app) and the dependencies that read it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from redis.asyncio import Redis

from core.config import Settings
from db.types import PgPool

if TYPE_CHECKING:
    from ai.service import AIService
    from api.payload_cache import PayloadCache
    from api.prometheus import ApiMetrics
    from api.ratelimit import RateLimits
    from api.replica_routing import ReadRouting


@dataclass
class AppState:
    settings: Settings
    pool: PgPool
    redis: Redis
    limits: RateLimits | None = None
    metrics: ApiMetrics | None = None
    # The database's day-bucket zone, read once at start-up: it is fixed when the aggregates are made.
    bucket_timezone: str = "UTC"
    # CSV uploads being ingested at once in this process (INGEST_CONCURRENCY), each on its own connection.
    upload_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    ai: AIService | None = None
    # Read replicas (DATABASE_READ_URLS); None when there are none: every query on `pool`.
    reads: ReadRouting | None = None
    # Dashboard payloads by tag (PAYLOAD_CACHE_ENABLED); None: every read computed, no ETags.
    payloads: PayloadCache | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.bucket_timezone)

    def today(self) -> date:
        """The local day in the bucket time zone (what the database's local_clock answers, without a
        round trip)."""
        return datetime.now(self.zone).date()


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.wrestle
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: State) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
