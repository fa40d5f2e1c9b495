"""Token revocation: Redis holds entries with a TTL equal to the token's remaining life; the
database keeps the durable copy and answers while Redis is down."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from core.logging import get_logger
from db.types import PgConn

if TYPE_CHECKING:
    from api.deps import AppState

log = get_logger("wrestle.revocation")
PREFIX = "revoked:"


async def is_revoked(state: AppState, conn: PgConn, jti: str) -> bool:
    try:
        if await state.redis.exists(PREFIX + jti):
            return True
    except RedisError as exc:
        log.warning("redis_unavailable", op="is_revoked", error=str(exc))
    found = await conn.fetchval("SELECT 1 FROM token_revocations WHERE jti = $1 AND expires_at > now()", jti)
    return found is not None


async def revoke(
    state: AppState, conn: PgConn, jti: str, token_type: str, exp: int, user_id: Any = None
) -> None:
    await conn.execute(
        """INSERT INTO token_revocations (jti, token_type, user_id, expires_at)
           VALUES ($1, $2, $3, to_timestamp($4)) ON CONFLICT (jti) DO NOTHING""",
        jti,
        token_type,
        user_id,
        exp,
    )
    ttl = max(1, exp - int(time.time()))
    try:
        await state.redis.set(PREFIX + jti, "1", ex=ttl)
    except RedisError as exc:
        log.warning("redis_unavailable", op="revoke", error=str(exc))
