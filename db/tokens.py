"""SQL for token revocations (the durable copy; Redis holds the hot one)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from db.data_versions import VERSION_COLUMNS
from db.types import PgConn
from db.users import USER_COLUMNS


async def insert_revocation(conn: PgConn, jti: str, token_type: str, user_id: UUID | None, exp: int) -> bool:
    """Record `jti` as revoked until `exp` (unix seconds); a deleted user is recorded as NULL.
    True if this call recorded it, False if it was already there. Concurrent callers serialise on
    the primary key: exactly one gets True."""
    row = await conn.fetchval(
        """INSERT INTO token_revocations (jti, token_type, user_id, expires_at)
           VALUES ($1, $2, (SELECT id FROM users WHERE id = $3), to_timestamp($4))
           ON CONFLICT (jti) DO NOTHING RETURNING 1""",
        jti,
        token_type,
        user_id,
        exp,
    )
    return row is not None


async def any_revoked(conn: PgConn, ids: list[str]) -> bool:
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM token_revocations WHERE jti = ANY($1::text[]) AND expires_at > now())",
        ids,
    )
    return bool(found)


async def user_with_revocation(
    conn: PgConn, user_id: UUID, ids: list[str], wrestler_id: UUID | None = None, team_id: UUID | None = None
) -> asyncpg.Record | None:
    """The user and whether any of `ids` (token id, family id) is revoked, in one round trip; with
    `wrestler_id`, also that wrestler's row (column `wrestler`, NULL when it does not exist), so that
    a request on a wrestler's path needs no second lookup; and the data versions of the path's
    wrestler or team (db/data_versions.py) that its payloads are cached under."""
    return await conn.fetchrow(
        f"""SELECT {USER_COLUMNS},
                   EXISTS (SELECT 1 FROM token_revocations
                           WHERE jti = ANY($2::text[]) AND expires_at > now()) AS revoked,
                   (SELECT w FROM wrestlers w WHERE w.id = $3) AS wrestler,
                   {VERSION_COLUMNS}
            FROM users WHERE id = $1""",
        user_id,
        ids,
        wrestler_id,
        team_id,
    )


async def purge_expired(conn: PgConn) -> int:
    status = await conn.execute("DELETE FROM token_revocations WHERE expires_at <= now()")
    return int(status.split()[-1])
