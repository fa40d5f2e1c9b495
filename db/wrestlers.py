"""SQL for wrestlers, always scoped by the caller's access (db.scope). Rows or None: whether that is a
404 or a 403 is api.access's to say."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from core.access import Scope
from db.scope import wrestler_predicate
from db.types import PgConn

WRESTLER_COLUMNS = (
    "id, team_id, name_fa, name_en, weight_class, image_url, status, external_id, created_at,"
    " sex, date_of_birth, style"
)

# Columns a PUT may change, wire name → column.
UPDATABLE = {
    "nameFa": "name_fa",
    "nameEn": "name_en",
    "weightClass": "weight_class",
    "teamId": "team_id",
    "imageUrl": "image_url",
    "status": "status",
    "sex": "sex",
    "dateOfBirth": "date_of_birth",
    "style": "style",
}


_COLUMNS_W = ", ".join(f"w.{c.strip()}" for c in WRESTLER_COLUMNS.split(","))


async def get_wrestler(conn: PgConn, scope: Scope, wrestler_id: UUID) -> asyncpg.Record | None:
    """The wrestler's row when it is in the scope."""
    return await conn.fetchrow(
        f"SELECT {_COLUMNS_W} FROM wrestlers w WHERE w.id = $1 AND {wrestler_predicate(2)}",
        wrestler_id,
        *scope.params,
    )


async def wrestler_exists(conn: PgConn, wrestler_id: UUID) -> bool:
    """Existence only (no data of the wrestler): what tells a 404 from a 403."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM wrestlers WHERE id = $1)", wrestler_id))


async def list_wrestlers(
    conn: PgConn, scope: Scope, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """The wrestlers of the scope in a stable order (name_en, id), and how many there are in all."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS_W}, count(*) OVER ()::int AS total
            FROM wrestlers w WHERE {wrestler_predicate(1)}
            ORDER BY w.name_en, w.id LIMIT $4 OFFSET $5""",
        *scope.params,
        limit,
        offset,
    )
    if rows:
        return list(rows), int(rows[0]["total"])
    total = await conn.fetchval(
        f"SELECT count(*)::int FROM wrestlers w WHERE {wrestler_predicate(1)}", *scope.params
    )
    return [], int(total or 0)


async def insert_wrestler(
    conn: PgConn,
    scope: Scope,
    *,
    name_fa: str,
    name_en: str,
    weight_class: int,
    team_id: UUID | None = None,
    image_url: str | None = None,
    status: str = "normal",
    sex: str | None = None,
    date_of_birth: date | None = None,
    style: str | None = None,
) -> asyncpg.Record | None:
    """The new wrestler; None (nothing inserted) when the scope may not hold it: a coach creates in
    their own team only, an athlete never."""
    return await conn.fetchrow(
        f"""INSERT INTO wrestlers (name_fa, name_en, weight_class, team_id, image_url, status, sex,
                                   date_of_birth, style)
            SELECT $1, $2, $3, $4, $5, $6, $9, $10, $11
             WHERE $7::text = 'all' OR ($7::text = 'team' AND $4::uuid = $8::uuid)
            RETURNING {WRESTLER_COLUMNS}""",
        name_fa,
        name_en,
        weight_class,
        team_id,
        image_url,
        status,
        scope.kind,
        scope.team_id,
        sex,
        date_of_birth,
        style,
    )


async def update_wrestler(conn: PgConn, scope: Scope, wrestler_id: UUID, changes: dict[str, Any]) -> bool:
    """Set the given wire fields (keys of UPDATABLE); an explicit None clears a nullable column.
    False (nothing changed) when the wrestler is not in the scope."""
    cols = [UPDATABLE[k] for k in changes]
    assignments = "".join(f"{c} = ${i + 5}, " for i, c in enumerate(cols))
    status = await conn.execute(
        f"UPDATE wrestlers w SET {assignments}updated_at = now() WHERE w.id = $1 AND {wrestler_predicate(2)}",
        wrestler_id,
        *scope.params,
        *changes.values(),
    )
    return status != "UPDATE 0"


async def delete_wrestler(conn: PgConn, scope: Scope, wrestler_id: UUID) -> bool:
    """Deletes the wrestler in the scope and, by cascade, every row of its data."""
    status = await conn.execute(
        f"DELETE FROM wrestlers w WHERE w.id = $1 AND {wrestler_predicate(2)}", wrestler_id, *scope.params
    )
    return status != "DELETE 0"
