"""SQL for data versions (0027_data_versions): what a read's cache key is made of, and the touches
of writes that no table trigger sees (the series hypertables, recorded by the write's refresh)."""

from __future__ import annotations

from uuid import UUID

from db.types import PgConn

GLOBAL_ID = UUID(int=0)

# Select-list items for the caller lookup (db/tokens.py): the versions a read of the path's wrestler
# ($3) or team ($4) is keyed by, in the lookup's round trip and snapshot.
VERSION_COLUMNS = """
    (SELECT version FROM data_versions WHERE subject = 'global'
        AND id = '00000000-0000-0000-0000-000000000000') AS global_version,
    (SELECT version FROM data_versions WHERE subject = 'wrestler' AND id = $3) AS wrestler_version,
    CASE WHEN $4::uuid IS NOT NULL THEN
        coalesce((SELECT version FROM data_versions WHERE subject = 'team' AND id = $4), 0)::text || '.' ||
        coalesce((SELECT sum(v.version) FROM wrestlers w
                    JOIN data_versions v ON v.subject = 'wrestler' AND v.id = w.id
                   WHERE w.team_id = $4), 0)::text
    END AS team_version"""


async def touch_wrestlers(conn: PgConn, wrestler_ids: list[str] | list[UUID]) -> None:
    """Move these wrestlers' versions when the transaction commits."""
    await conn.execute("SELECT data_touch('wrestler', $1::text[]::uuid[])", [str(w) for w in wrestler_ids])


async def versions(conn: PgConn, wrestler_id: UUID | None, team_id: UUID | None) -> tuple[object, ...]:
    """The versions VERSION_COLUMNS reads, on this connection (a replica checks it has replayed them)."""
    row = await conn.fetchrow(
        f"SELECT {VERSION_COLUMNS.replace('$3', '$1').replace('$4', '$2')}", wrestler_id, team_id
    )
    assert row is not None
    return (row["global_version"], row["wrestler_version"], row["team_version"])
