"""SQL for the snapshot reads: the latest value (and the previous day's) of metrics of any domain,
one statement, scoped (db.scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import polars as pl

from core.access import Scope
from core.domains import DOMAIN_KEYS
from db.columnar import DAY, TZ, arrays, frame
from db.scope import wrestler_guard
from db.types import PgConn

SNAPSHOT_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "value": pl.Float64,
    "previous_value": pl.Float64,
    "recorded_at": pl.Float64,
    "day": pl.Int32,
    "name_en": pl.String,
    "name_fa": pl.String,
}


async def _snapshot_row(
    conn: PgConn, scope: Scope, wrestler_id: UUID, keys: list[str], extra: str = ""
) -> asyncpg.Record | None:
    """$1 the wrestler, $2 the keys, $3..$5 the scope (for `extra` too)."""
    union = " UNION ALL ".join(
        f"SELECT metric_id, value, previous_value, recorded_at FROM {d}_metrics WHERE wrestler_id = $1"
        for d in DOMAIN_KEYS
    )
    return await conn.fetchrow(
        f"""SELECT {
            arrays(
                key="md.key",
                value="m.value",
                previous_value="m.previous_value",
                recorded_at="extract(epoch FROM m.recorded_at)::float8",
                day=DAY.format("m.recorded_at"),
                name_en="md.name_en",
                name_fa="md.name_fa",
            )
        }{extra}
              FROM metric_definitions md
              LEFT JOIN ({union}) m ON m.metric_id = md.id
              {TZ}
             WHERE md.key = ANY($2::text[]) AND {wrestler_guard("$1", 3)}""",
        wrestler_id,
        keys,
        *scope.params,
    )


async def snapshots(conn: PgConn, scope: Scope, wrestler_id: UUID, keys: list[str]) -> pl.DataFrame:
    """Latest value (and the previous day's) of the given metrics, whatever their domain: one row
    per known key, value null when the wrestler has none (the display names are always there)."""
    return frame(await _snapshot_row(conn, scope, wrestler_id, keys), SNAPSHOT_SCHEMA)


async def snapshots_and_overall(
    conn: PgConn, scope: Scope, wrestler_id: UUID, keys: list[str], n: int
) -> tuple[pl.DataFrame, list[float]]:
    """snapshots() and the latest `n` overall scores (newest first), in one round trip."""
    row = await _snapshot_row(
        conn,
        scope,
        wrestler_id,
        keys,
        f""",
               (SELECT array_agg(o.score ORDER BY o.id DESC)
                  FROM (SELECT id, score FROM section_scores
                         WHERE wrestler_id = $1 AND section_key = 'overall' AND {wrestler_guard("$1", 3)}
                         ORDER BY id DESC LIMIT {int(n)}) o) AS overall""",
    )
    overall = [float(v) for v in (row["overall"] or [])] if row is not None else []
    return frame(row, SNAPSHOT_SCHEMA), overall
