"""SQL for teams."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from core.access import Scope
from db.scope import team_predicate
from db.types import PgConn

TEAM_COLUMNS = "id, name, created_at, updated_at"


async def insert_team(conn: PgConn, name: str) -> asyncpg.Record:
    row = await conn.fetchrow(f"INSERT INTO teams (name) VALUES ($1) RETURNING {TEAM_COLUMNS}", name)
    assert row is not None
    return row


async def get_team(conn: PgConn, scope: Scope, team_id: UUID) -> asyncpg.Record | None:
    """The team when it is in the scope (admins any, a coach theirs, athletes none)."""
    return await conn.fetchrow(
        f"SELECT {TEAM_COLUMNS} FROM teams t WHERE t.id = $1 AND {team_predicate(2)}",
        team_id,
        *scope.team_params,
    )


async def team_exists(conn: PgConn, team_id: UUID) -> bool:
    """Existence only: what tells a 404 from a 403, and checks a body's teamId."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM teams WHERE id = $1)", team_id))


async def list_teams(conn: PgConn, scope: Scope, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    """Teams the caller may see (admins all, a coach their own), ordered by (name, id)."""
    pred = team_predicate(1)
    rows = await conn.fetch(
        f"""SELECT t.id, t.name, t.created_at, t.updated_at,
                   (SELECT count(*) FROM wrestlers w WHERE w.team_id = t.id)::int AS total_athletes,
                   count(*) OVER ()::int AS total
            FROM teams t WHERE {pred}
            ORDER BY t.name, t.id LIMIT $3 OFFSET $4""",
        *scope.team_params,
        limit,
        offset,
    )
    if rows:
        return list(rows), int(rows[0]["total"])
    total = await conn.fetchval(f"SELECT count(*)::int FROM teams t WHERE {pred}", *scope.team_params)
    return [], int(total or 0)


async def count_athletes(conn: PgConn, scope: Scope, team_id: UUID) -> int:
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM wrestlers w JOIN teams t ON t.id = w.team_id"
            f" WHERE w.team_id = $1 AND {team_predicate(2)}",
            team_id,
            *scope.team_params,
        )
        or 0
    )


async def rename_team(conn: PgConn, team_id: UUID, name: str) -> bool:
    status = await conn.execute("UPDATE teams SET name = $2, updated_at = now() WHERE id = $1", team_id, name)
    return status != "UPDATE 0"


async def delete_team(conn: PgConn, team_id: UUID) -> bool:
    """Wrestlers and coaches of the team are kept, with no team (ON DELETE SET NULL)."""
    status = await conn.execute("DELETE FROM teams WHERE id = $1", team_id)
    return status != "DELETE 0"
