"""SQL for training load: a wrestler's session points (RPE, duration, a device's load) and the days on
which it has any performance or recovery data (what tells a rest day from a missing one). Scoped."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from core.access import Scope
from db.scope import wrestler_guard
from db.types import PgConn

SESSION_KEYS = ("rpe", "session_duration", "training_load")


async def session_points(
    conn: PgConn, scope: Scope, wrestler_id: UUID, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """(key, recorded_at, value) of the session metrics in [start, end), oldest first."""
    return list(
        await conn.fetch(
            f"""SELECT md.key, s.recorded_at, s.value
                  FROM performance_series s JOIN metric_definitions md ON md.id = s.metric_id
                 WHERE s.wrestler_id = $1 AND s.recorded_at >= $2 AND s.recorded_at < $3
                   AND md.key = ANY($4::text[]) AND {wrestler_guard("$1", 5)}
                 ORDER BY s.recorded_at""",
            wrestler_id,
            start,
            end,
            list(SESSION_KEYS),
            *scope.params,
        )
    )


async def covered_days(
    conn: PgConn, scope: Scope, wrestler_id: UUID, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    """The local days in [start, end) with any performance or recovery data (from the daily
    aggregates), as `day`."""
    return list(
        await conn.fetch(
            f"""SELECT DISTINCT (d.bucket AT TIME ZONE bucket_timezone())::date AS day
                  FROM (SELECT bucket FROM performance_daily
                         WHERE wrestler_id = $1 AND bucket >= $2 AND bucket < $3
                        UNION ALL
                        SELECT bucket FROM recovery_daily
                         WHERE wrestler_id = $1 AND bucket >= $2 AND bucket < $3) d
                 WHERE {wrestler_guard("$1", 4)}
                 ORDER BY 1""",
            wrestler_id,
            start,
            end,
            *scope.params,
        )
    )


async def store_latest(
    conn: PgConn, rows: list[tuple[str, date, dict[str, Any]]], cleared: list[str]
) -> None:
    """The latest figures (wrestler id, day, summary) of some wrestlers, replacing what was stored,
    and none for the `cleared` ones (write path)."""
    if cleared:
        await conn.execute("DELETE FROM training_load_latest WHERE wrestler_id = ANY($1::uuid[])", cleared)
    await conn.executemany(
        """INSERT INTO training_load_latest (wrestler_id, day, summary) VALUES ($1, $2, $3)
           ON CONFLICT (wrestler_id) DO UPDATE
              SET day = EXCLUDED.day, summary = EXCLUDED.summary, computed_at = now()""",
        rows,
    )
