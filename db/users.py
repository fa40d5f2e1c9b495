"""SQL for users."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from db.types import PgConn

USER_COLUMNS = (
    "id, email, name, role, team_id, wrestler_id, disabled, password_hash, created_at, token_version"
)

# Columns an admin may change, wire name → column.
UPDATABLE = {
    "name": "name",
    "role": "role",
    "teamId": "team_id",
    "wrestlerId": "wrestler_id",
    "disabled": "disabled",
    "passwordHash": "password_hash",
}


async def get_user(conn: PgConn, user_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id)


async def get_user_by_email(conn: PgConn, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1)", email)


async def email_taken(conn: PgConn, email: str) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))", email)
    )


async def insert_user(
    conn: PgConn,
    *,
    email: str,
    password_hash: str,
    name: str,
    role: str,
    team_id: UUID | None = None,
    wrestler_id: UUID | None = None,
) -> asyncpg.Record | None:
    """The new user, or None when the email is taken (case-insensitively)."""
    return await conn.fetchrow(
        f"""INSERT INTO users (email, password_hash, name, role, team_id, wrestler_id)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT ((lower(email))) DO NOTHING
            RETURNING {USER_COLUMNS}""",
        email,
        password_hash,
        name,
        role,
        team_id,
        wrestler_id,
    )


async def list_users(conn: PgConn, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    """Users ordered by (email, id), and the total."""
    rows = await conn.fetch(
        f"""SELECT {USER_COLUMNS}, count(*) OVER ()::int AS total FROM users
            ORDER BY lower(email), id LIMIT $1 OFFSET $2""",
        limit,
        offset,
    )
    if rows:
        return list(rows), int(rows[0]["total"])
    return [], int(await conn.fetchval("SELECT count(*)::int FROM users") or 0)


async def update_user(conn: PgConn, user_id: UUID, changes: dict[str, Any]) -> asyncpg.Record | None:
    """Apply wire-named changes (keys of UPDATABLE); None when the user does not exist."""
    cols = [UPDATABLE[k] for k in changes]
    assignments = "".join(f"{c} = ${i + 2}, " for i, c in enumerate(cols))
    return await conn.fetchrow(
        f"UPDATE users SET {assignments}updated_at = now() WHERE id = $1 RETURNING {USER_COLUMNS}",
        user_id,
        *changes.values(),
    )


async def delete_user(conn: PgConn, user_id: UUID) -> bool:
    status = await conn.execute("DELETE FROM users WHERE id = $1", user_id)
    return status != "DELETE 0"


async def count_active_admins(conn: PgConn) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled") or 0)
