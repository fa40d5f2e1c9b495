"""Test harness: the real PostgreSQL+TimescaleDB and Redis, never a database the tests did not create.

Migrations run once per session into a template database; every test gets a fresh database copied
from it (about 0.1 s) and an emptied Redis database, so tests never see each other's rows.

Where the test databases live: `TEST_DATABASE_URL` (a server URL; its database name is ignored)
when set, else the server of a configured `DATABASE_URL` (its credentials, the maintenance database
`postgres` for creating and dropping), else the embedded cluster. Either way every connection a test
makes names a database this session created (`wrestle_test_…`): the configured database itself is
never opened. Redis likewise: `TEST_REDIS_URL` when set, else the embedded Redis; a configured
`REDIS_URL` is used only when its test database (WRESTLE_TEST_REDIS_DB, default 15) is empty or was
made by this harness, because tests empty it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import redis as redis_sync
from fastapi import FastAPI

from core.config import Settings
from db.cluster import EmbeddedCluster, EmbeddedRedis
from db.connection import init_connection, with_database
from db.migrate import migrate
from db.types import PgConn

# Per-session names, so that several pytest sessions can share one server.
TEST_DB_PREFIX = "wrestle_test_"
TEMPLATE = f"{TEST_DB_PREFIX}template_{os.getpid()}"
UNUSED_DB = f"{TEST_DB_PREFIX}unused"  # never created: a connection made without a test database fails
TEST_REDIS_DB = int(os.environ.get("WRESTLE_TEST_REDIS_DB", "15"))
REDIS_MARKER = "wrestle:test-harness"


def _configured() -> Settings:
    """What the environment and .env configure (only to find the servers; never connected to)."""
    return Settings(app_env="test")


@dataclass(frozen=True)
class Servers:
    postgres: str | None  # a server URL, or None for the embedded cluster
    redis: str | None  # a server URL (any database), or None for the embedded Redis


def harness_servers() -> Servers:
    configured = _configured()
    pg = os.environ.get("TEST_DATABASE_URL") or configured.database_url
    rd = os.environ.get("TEST_REDIS_URL") or configured.redis_url
    return Servers(postgres=pg, redis=rd)


def base_settings(**overrides: Any) -> Settings:
    """Settings for a test: the servers above, the database `pg_database` (a test database)."""
    values: dict[str, Any] = {
        "app_env": "test",
        "bcrypt_rounds": 4,
        "jwt_secret_key": "test-jwt-secret-key-that-is-long-enough-0123456789",
        "secret_key": "test-app-secret-key-that-is-long-enough-0123456789",
        "pg_database": UNUSED_DB,
        "database_pool_min": 1,
        "database_pool_max": 5,
    }
    values.update(overrides)
    name = values["pg_database"]
    assert str(name).startswith(TEST_DB_PREFIX), f"tests only open databases they created, not {name!r}"
    servers = harness_servers()
    values.setdefault("database_url", with_database(servers.postgres, name) if servers.postgres else None)
    values.setdefault("redis_url", None)
    return Settings(**values)


def server_database_url(settings: Settings, name: str) -> str:
    """URL of database `name` on the test server (`postgres`: the maintenance database)."""
    servers = harness_servers()
    if servers.postgres:
        return with_database(servers.postgres, name)
    return EmbeddedCluster(settings).url(name)


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment for a `wrestle` command run by a test: its test database and Redis only."""
    env = {**os.environ, "PG_DATABASE": settings.pg_database, "APP_ENV": "test"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    return env


async def _admin_connect(settings: Settings) -> PgConn:
    return await asyncpg.connect(server_database_url(settings, "postgres"))


def _test_redis_url(settings: Settings) -> str:
    servers = harness_servers()
    url = urlunsplit(
        urlsplit(servers.redis or EmbeddedRedis(settings).url)._replace(path=f"/{TEST_REDIS_DB}")
    )
    if servers.redis and not os.environ.get("TEST_REDIS_URL"):
        client = redis_sync.Redis.from_url(url)
        try:
            if client.dbsize() and not client.exists(REDIS_MARKER):
                raise pytest.UsageError(
                    f"REDIS_URL's database {TEST_REDIS_DB} holds keys the tests did not make, and the tests"
                    " empty it: set TEST_REDIS_URL (or WRESTLE_TEST_REDIS_DB) to a database they may use"
                )
        finally:
            client.close()
    return url


@pytest.fixture(scope="session")
def services() -> Iterator[Settings]:
    """Start the embedded services the tests use if `make test` has not (stopping them at the end)."""
    settings = base_settings()
    servers = harness_servers()
    started: list[Any] = []
    if servers.postgres is None:
        cluster = EmbeddedCluster(settings)
        if cluster.start():
            started.append(cluster)
    if servers.redis is None:
        r = EmbeddedRedis(settings)
        if r.start():
            started.append(r)
    yield settings.model_copy(update={"redis_url": _test_redis_url(settings)})
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
    tconn = await asyncpg.connect(server_database_url(services, TEMPLATE))
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
    url = services.redis_url
    assert url is not None
    client = redis_sync.Redis.from_url(url)
    client.flushdb()
    client.set(REDIS_MARKER, "1")
    client.close()
    return base_settings(pg_database=db_name, redis_url=url)


@pytest.fixture
async def conn(settings: Settings) -> AsyncIterator[PgConn]:
    assert settings.database_url is None or TEST_DB_PREFIX in settings.database_url
    c = await asyncpg.connect(server_database_url(settings, settings.pg_database))
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
