"""SQL for wrestlers and teams, always scoped by the caller's access."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from core.access import Scope
from core.errors import Forbidden, NotFound
from db.types import PgConn

WRESTLER_COLUMNS = "id, team_id, name_fa, name_en, weight_class, image_url, status, external_id, created_at"

# The one predicate that restricts wrestlers (alias w) to a scope passed as $1, $2, $3.
SCOPE_PREDICATE = "($1 = 'all' OR ($1 = 'team' AND w.team_id = $2) OR ($1 = 'wrestler' AND w.id = $3))"


async def get_wrestler(conn: PgConn, wrestler_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {WRESTLER_COLUMNS} FROM wrestlers WHERE id = $1", wrestler_id)


async def require_wrestler(conn: PgConn, scope: Scope, wrestler_id: UUID) -> asyncpg.Record:
    """The wrestler if the scope may see it: 404 when it does not exist (for everyone), else 403."""
    row = await get_wrestler(conn, wrestler_id)
    if row is None:
        raise NotFound("Wrestler not found", {"wrestlerId": str(wrestler_id)})
    if not scope.allows(row["id"], row["team_id"]):
        raise Forbidden("You do not have access to this wrestler")
    return row
