"""Connection and pool types usable both at runtime and under mypy (the stubs make them generic)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import asyncpg

if TYPE_CHECKING:
    PgConn: TypeAlias = asyncpg.Connection[asyncpg.Record]
    PgPool: TypeAlias = asyncpg.Pool[asyncpg.Record]
else:
    PgConn = asyncpg.Connection
    PgPool = asyncpg.Pool
