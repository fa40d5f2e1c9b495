"""SQL for users."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from db.types import PgConn

USER_COLUMNS = "id, email, name, role, team_id, wrestler_id, disabled, password_hash, created_at"


async def get_user(conn: PgConn, user_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id)


async def get_user_by_email(conn: PgConn, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1)", email)


async def insert_user(
    conn: PgConn,
    *,
    email: str,
    password_hash: str,
    name: str,
    role: str,
    team_id: UUID | None = None,
    wrestler_id: UUID | None = None,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""INSERT INTO users (email, password_hash, name, role, team_id, wrestler_id)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}""",
        email,
        password_hash,
        name,
        role,
        team_id,
        wrestler_id,
    )
    assert row is not None
    return row
