"""SQL for wrestlers, always scoped by the caller's access."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from core.access import Scope
from core.errors import Forbidden, NotFound
from db.types import PgConn

WRESTLER_COLUMNS = "id, team_id, name_fa, name_en, weight_class, image_url, status, external_id, created_at"

# The one predicate that restricts wrestlers (alias w) to a scope passed as $1, $2, $3.
SCOPE_PREDICATE = "($1 = 'all' OR ($1 = 'team' AND w.team_id = $2) OR ($1 = 'wrestler' AND w.id = $3))"

# Columns a PUT may change, wire name → column.
UPDATABLE = {
    "nameFa": "name_fa",
    "nameEn": "name_en",
    "weightClass": "weight_class",
    "teamId": "team_id",
    "imageUrl": "image_url",
    "status": "status",
}


async def get_wrestler(conn: PgConn, wrestler_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {WRESTLER_COLUMNS} FROM wrestlers WHERE id = $1", wrestler_id)


async def wrestler_exists(conn: PgConn, wrestler_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM wrestlers WHERE id = $1)", wrestler_id))


def check_wrestler(scope: Scope, wrestler_id: UUID, row: asyncpg.Record | None) -> asyncpg.Record:
    """The wrestler's row if the scope may see it: 404 when it does not exist (for everyone), else 403."""
    if row is None:
        raise NotFound("Wrestler not found", {"wrestlerId": str(wrestler_id)})
    if not scope.allows(row["id"], row["team_id"]):
        raise Forbidden("You do not have access to this wrestler", {"wrestlerId": str(wrestler_id)})
    return row


async def require_wrestler(conn: PgConn, scope: Scope, wrestler_id: UUID) -> asyncpg.Record:
    return check_wrestler(scope, wrestler_id, await get_wrestler(conn, wrestler_id))


async def list_wrestlers(
    conn: PgConn, scope: Scope, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """The wrestlers of the scope in a stable order (name_en, id), and how many there are in all."""
    kind, team, wrestler = scope.params
    rows = await conn.fetch(
        f"""SELECT {WRESTLER_COLUMNS.replace("id,", "w.id,", 1)}, count(*) OVER ()::int AS total
            FROM wrestlers w WHERE {SCOPE_PREDICATE}
            ORDER BY w.name_en, w.id LIMIT $4 OFFSET $5""",
        kind,
        team,
        wrestler,
        limit,
        offset,
    )
    if rows:
        return list(rows), int(rows[0]["total"])
    total = await conn.fetchval(
        f"SELECT count(*)::int FROM wrestlers w WHERE {SCOPE_PREDICATE}", kind, team, wrestler
    )
    return [], int(total or 0)


async def insert_wrestler(
    conn: PgConn,
    *,
    name_fa: str,
    name_en: str,
    weight_class: int,
    team_id: UUID | None = None,
    image_url: str | None = None,
    status: str = "normal",
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""INSERT INTO wrestlers (name_fa, name_en, weight_class, team_id, image_url, status)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {WRESTLER_COLUMNS}""",
        name_fa,
        name_en,
        weight_class,
        team_id,
        image_url,
        status,
    )
    assert row is not None
    return row


async def update_wrestler(conn: PgConn, wrestler_id: UUID, changes: dict[str, Any]) -> None:
    """Set the given wire fields (keys of UPDATABLE); an explicit None clears a nullable column."""
    cols = [UPDATABLE[k] for k in changes]
    if not cols:
        await conn.execute("UPDATE wrestlers SET updated_at = now() WHERE id = $1", wrestler_id)
        return
    assignments = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(cols))
    await conn.execute(
        f"UPDATE wrestlers SET {assignments}, updated_at = now() WHERE id = $1",
        wrestler_id,
        *changes.values(),
    )


async def delete_wrestler(conn: PgConn, wrestler_id: UUID) -> bool:
    """Deletes the wrestler and, by cascade, every row of its data."""
    status = await conn.execute("DELETE FROM wrestlers WHERE id = $1", wrestler_id)
    return status != "DELETE 0"
