"""Test harness: the real embedded PostgreSQL+TimescaleDB and Redis.

Migrations run once per session into a template database; every test gets a fresh database copied
from it (about 0.1 s) and an emptied Redis database, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import redis as redis_sync
from fastapi import FastAPI

from core.config import Settings
from db.cluster import EmbeddedCluster, EmbeddedRedis
from db.connection import database_url, init_connection, redis_url
from db.migrate import migrate
from db.types import PgConn

# Per-session names, so that several pytest sessions can share one cluster.
TEMPLATE = f"wrestle_test_template_{os.getpid()}"
TEST_REDIS_DB = int(os.environ.get("WRESTLE_TEST_REDIS_DB", "15"))


def base_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_env": "test",
        "bcrypt_rounds": 4,
        "jwt_secret_key": "test-jwt-secret-key-that-is-long-enough-0123456789",
        "secret_key": "test-app-secret-key-that-is-long-enough-0123456789",
        "pg_database": "wrestle_test_unused",
        "database_pool_min": 1,
        "database_pool_max": 5,
    }
    values.update(overrides)
    return Settings(**values)


async def _admin_connect(settings: Settings) -> PgConn:
    return await asyncpg.connect(database_url(settings, "postgres"))


@pytest.fixture(scope="session")
def services() -> Iterator[Settings]:
    """Start the embedded services if `make test` has not (stopping them again at the end)."""
    settings = base_settings()
    started: list[Any] = []
    if settings.database_url is None:
        cluster = EmbeddedCluster(settings)
        if cluster.start():
            started.append(cluster)
    if settings.redis_url is None:
        r = EmbeddedRedis(settings)
        if r.start():
            started.append(r)
    yield settings
    for s in reversed(started):
        s.stop()


async def _drop_template(settings: Settings) -> None:
    conn = await _admin_connect(settings)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", TEMPLATE):
            await conn.execute(f"ALTER DATABASE {TEMPLATE} IS_TEMPLATE false")
            await conn.execute(f"DROP DATABASE {TEMPLATE} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def template_db(services: Settings) -> AsyncIterator[str]:
    await _drop_template(services)
    conn = await _admin_connect(services)
    try:
        await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await conn.close()
    tconn = await asyncpg.connect(database_url(services, TEMPLATE))
    try:
        await migrate(tconn, bucket_timezone=services.bucket_timezone)
    finally:
        await tconn.close()
    conn = await _admin_connect(services)
    try:
        # TimescaleDB's scheduler keeps a session in every database; a template must have none.
        await conn.execute(f"ALTER DATABASE {TEMPLATE} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true")
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", TEMPLATE
        )
    finally:
        await conn.close()
    yield TEMPLATE
    await _drop_template(services)


@pytest.fixture
async def db_name(services: Settings, template_db: str) -> AsyncIterator[str]:
    name = f"wrestle_test_{uuid.uuid4().hex[:12]}"
    conn = await _admin_connect(services)
    try:
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template_db} STRATEGY WAL_LOG")
    finally:
        await conn.close()
    yield name
    conn = await _admin_connect(services)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture
def settings(services: Settings, db_name: str) -> Settings:
    url = redis_url(services).rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}"
    client = redis_sync.Redis.from_url(url)
    client.flushdb()
    client.close()
    return base_settings(pg_database=db_name, redis_url=url)


@pytest.fixture
async def conn(settings: Settings) -> AsyncIterator[PgConn]:
    c = await asyncpg.connect(database_url(settings))
    await init_connection(c)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    from api.app import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
