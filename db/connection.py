"""Where the database and Redis are, and the asyncpg pool with the codecs the project relies on."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson

from core.config import Settings
from db.cluster import EmbeddedCluster, EmbeddedRedis
from db.types import PgConn, PgPool


def with_database(url: str, database: str) -> str:
    """The same server URL naming another database (query parameters such as sslmode kept)."""
    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://"))
    return urlunsplit(parts._replace(path=f"/{database}"))


def database_name(settings: Settings) -> str:
    """The configured database: DATABASE_URL's, else the embedded cluster's PG_DATABASE."""
    if settings.database_url:
        return urlsplit(settings.database_url).path.lstrip("/") or "postgres"
    return settings.pg_database


def database_url(settings: Settings, database: str | None = None) -> str:
    if settings.database_url:
        url = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
        return with_database(url, database) if database else url
    return EmbeddedCluster(settings).url(database)


def redis_url(settings: Settings) -> str:
    return settings.redis_url or EmbeddedRedis(settings).url


# Every session: times exchanged in UTC, and no JIT: its compile time (up to seconds) outweighs what
# it saves on this project's short reads and on bulk refreshes alike.
SERVER_SETTINGS = {"timezone": "UTC", "jit": "off"}


async def connect(settings: Settings, database: str | None = None) -> PgConn:
    """One connection (CLI commands), set up as the pool's are."""
    conn: PgConn = await asyncpg.connect(database_url(settings, database), server_settings=SERVER_SETTINGS)
    await init_connection(conn)
    return conn


async def init_connection(conn: PgConn) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
    )
    await conn.set_type_codec(
        "json", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
    )


async def create_pool(settings: Settings, url: str | None = None) -> PgPool:
    pool = await asyncpg.create_pool(
        url or database_url(settings),
        min_size=settings.database_pool_min,
        max_size=settings.database_pool_max,
        init=init_connection,
        server_settings={**SERVER_SETTINGS, "application_name": "wrestle"},
    )
    assert pool is not None
    return pool
