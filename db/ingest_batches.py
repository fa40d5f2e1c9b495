"""SQL for ingest_batches: one row per ingest (who, when, source, counts, report)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from db.types import PgConn

BATCH_COLUMNS = (
    "id, user_id, created_at, source, filename, format, status, rows_read, rows_inserted, rows_updated,"
    " rows_unchanged, rows_rejected, first_at, last_at, duration_ms, undone_at, report"
)


async def create_batch(
    conn: PgConn, *, user_id: UUID | None, source: str, filename: str | None, fmt: str
) -> int:
    batch_id = await conn.fetchval(
        "INSERT INTO ingest_batches (user_id, source, filename, format) VALUES ($1, $2, $3, $4) RETURNING id",
        user_id,
        source,
        filename,
        fmt,
    )
    return int(batch_id)


async def finish_batch(
    conn: PgConn,
    batch_id: int,
    *,
    counts: dict[str, int],
    first_at: datetime | None,
    last_at: datetime | None,
    duration_ms: int,
    report: dict[str, Any],
) -> None:
    await conn.execute(
        """UPDATE ingest_batches
              SET rows_read = $2, rows_inserted = $3, rows_updated = $4, rows_unchanged = $5,
                  rows_rejected = $6, first_at = $7, last_at = $8, duration_ms = $9, report = $10
            WHERE id = $1""",
        batch_id,
        counts["read"],
        counts["inserted"],
        counts["updated"],
        counts["unchanged"],
        counts["rejected"],
        first_at,
        last_at,
        duration_ms,
        report,
    )


async def get_batch(
    conn: PgConn, batch_id: int, owner: UUID | None, *, for_update: bool = False
) -> asyncpg.Record | None:
    """The batch, if `owner` made it (None: any batch, for admins and the system): batch reports
    quote rows, so they are scoped by who ingested them."""
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(
        f"SELECT {BATCH_COLUMNS} FROM ingest_batches"
        f" WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2){lock}",
        batch_id,
        owner,
    )


async def list_batches(
    conn: PgConn, owner: UUID | None, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """Newest first: `owner`'s batches (None: everyone's, for admins), and how many there are."""
    rows = await conn.fetch(
        f"""SELECT {BATCH_COLUMNS}, count(*) OVER () AS total FROM ingest_batches
             WHERE $1::uuid IS NULL OR user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3""",
        owner,
        limit,
        offset,
    )
    if rows:
        return list(rows), int(rows[0]["total"])
    total = await conn.fetchval(
        "SELECT count(*) FROM ingest_batches WHERE $1::uuid IS NULL OR user_id = $1", owner
    )
    return [], int(total or 0)


async def mark_undone(conn: PgConn, batch_id: int) -> None:
    await conn.execute(
        "UPDATE ingest_batches SET status = 'undone', undone_at = now() WHERE id = $1", batch_id
    )
