"""What follows a commit (ingest/refresh.finish_after_commit) on this server's edition."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from db import aggregates as aggregates_sql
from db.types import PgConn
from ingest.refresh import finish_after_commit, write_transaction
from ingest.writer import POINT_SCHEMA, write_points
from tests.helpers import create_team, create_wrestler


async def test_nothing_is_left_queued_after_a_committed_write(conn: PgConn) -> None:
    """Incremental mode refreshes inside the write; continuous mode queues ranges that the call after
    the commit drains. Either way the queue ends empty and the snapshot shows the point."""
    team = await create_team(conn, "Refresh")
    wrestler = await create_wrestler(conn, team, name_en="Refresh One")
    metric = await conn.fetchval("SELECT id FROM metric_definitions WHERE key = 'weight'")
    points = pl.DataFrame(
        [(str(wrestler), metric, "body_composition", datetime(2025, 11, 10, 8, tzinfo=UTC), 80.5, "test")],
        schema=POINT_SCHEMA,
        orient="row",
    )
    async with write_transaction(conn):
        await write_points(conn, points, None)
    assert not await aggregates_sql.refresh_pending(conn)
    value = await conn.fetchval(
        "SELECT value FROM body_composition_metrics WHERE wrestler_id = $1 AND metric_id = $2",
        wrestler,
        metric,
    )
    assert value == 80.5
    assert await finish_after_commit(conn) == []
