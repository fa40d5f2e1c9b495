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
POOL_APP_NAME = "wrestle"  # pg_stat_activity.application_name of the API's pooled connections
INGEST_APP_NAME = "wrestle-ingest"  # of an API upload's own connection


async def connect(
    settings: Settings, database: str | None = None, *, statement_timeout_ms: int | None = None
) -> PgConn:
    """One connection, set up as the pool's are: CLI commands (no statement timeout: an operator's
    bulk work may take long), or an API upload's own connection (with its timeout)."""
    server_settings = dict(SERVER_SETTINGS)
    if statement_timeout_ms is not None:
        server_settings |= {
            "statement_timeout": str(statement_timeout_ms),
            "application_name": INGEST_APP_NAME,
        }
    conn: PgConn = await asyncpg.connect(database_url(settings, database), server_settings=server_settings)
    await init_connection(conn)
    return conn


async def init_connection(conn: PgConn) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
    )
    await conn.set_type_codec(
        "json", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
    )


async def create_pool(
    settings: Settings, url: str | None = None, *, min_size: int | None = None, connect_timeout: float = 60
) -> PgPool:
    """The API's pool: every statement is bounded by the server (STATEMENT_TIMEOUT_MS) and the client
    gives up a second later, should the server not answer at all. A replica's pool (min_size 0)
    connects on first use, so a replica that is down does not stop the service from starting."""
    pool = await asyncpg.create_pool(
        url or database_url(settings),
        min_size=settings.database_pool_min if min_size is None else min_size,
        timeout=connect_timeout,
        max_size=settings.database_pool_max,
        init=init_connection,
        command_timeout=settings.statement_timeout_ms / 1000 + 1,
        server_settings={
            **SERVER_SETTINGS,
            "application_name": POOL_APP_NAME,
            "statement_timeout": str(settings.statement_timeout_ms),
        },
    )
    assert pool is not None
    return pool
