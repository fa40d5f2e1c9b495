"""Token revocation and refresh rotation.

Every revocation is written to the `token_revocations` table (durable, always consulted, so it keeps
working while Redis is down) and to Redis with a TTL equal to the token's remaining life. A refresh
token is single use: rotating it records its jti, so a second use (a replay, or the loser of a race)
finds it taken and revokes the token's whole family, which also disables the family's access tokens.

A family is revoked until the latest expiry any of its tokens can have: a rotation issues a refresh
token valid for the full refresh lifetime, so a family revoked now stays revoked until now plus that
lifetime (not just until the presented token expires, which would let a chain rotated from a
stolen token come back). Sessions also end when the user's token_version moves on (db 0018): a
change of password, role, link or disabled flag.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from uuid import UUID

from redis.exceptions import RedisError

from core.config import Settings
from core.errors import InvalidToken, TokenExpired
from core.logging import get_logger
from core.security import TokenClaims, check_token_version, create_token, decode_token
from db import tokens as tokens_sql
from db import users as users_sql
from db.types import PgConn

if TYPE_CHECKING:
    from api.state import AppState

log = get_logger("wrestle.revocation")
PREFIX = "revoked:"


def token_ids(claims: TokenClaims) -> list[str]:
    """The ids under which a token can be revoked: its own jti and its family."""
    return [claims.jti, f"fam:{claims.fam}"] if claims.fam else [claims.jti]


async def is_revoked(state: AppState, conn: PgConn, *ids: str) -> bool:
    try:
        if await state.redis.exists(*(PREFIX + i for i in ids)):
            return True
    except (RedisError, OSError) as exc:
        log.warning("redis_unavailable", op="is_revoked", error=type(exc).__name__)
    # Redis may have lost entries (restart, eviction): the table is the source of truth.
    return await tokens_sql.any_revoked(conn, list(ids))


async def _cache(state: AppState, key: str, exp: int) -> None:
    ttl = max(1, exp - int(time.time()))
    try:
        await state.redis.set(PREFIX + key, "1", ex=ttl)
    except (RedisError, OSError) as exc:
        log.warning("redis_unavailable", op="revoke", error=type(exc).__name__)


async def revoke(
    state: AppState, conn: PgConn, jti: str, token_type: str, exp: int, user_id: UUID | None = None
) -> bool:
    """Revoke one id until `exp`; True when this call revoked it (False: it already was)."""
    first = await tokens_sql.insert_revocation(conn, jti, token_type, user_id, exp)
    await _cache(state, jti, exp)
    return first


def family_expiry(settings: Settings, claims: TokenClaims) -> int:
    """Until when a family revoked now must stay revoked: past every token it can hold."""
    return max(claims.exp, int(time.time()) + settings.refresh_token_expire_days * 86400)


async def revoke_family(state: AppState, claims: TokenClaims, user_id: UUID | None) -> None:
    """On its own connection and transaction: it must stay committed even though the request that
    detected the reuse fails and rolls its own transaction back."""
    if not claims.fam:
        return
    until = family_expiry(state.settings, claims)
    async with state.pool.acquire() as conn:
        await revoke(state, cast(PgConn, conn), f"fam:{claims.fam}", "family", until, user_id)
    log.warning("refresh_token_reuse", family=claims.fam, user_id=str(user_id) if user_id else None)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def issue_pair(
    settings: Settings, user_id: UUID, role: str, version: int, family: str | None = None
) -> TokenPair:
    """A new access + refresh pair for the user's current token_version; a login starts a family,
    a refresh continues it."""
    family = family or uuid.uuid4().hex
    access, _ = create_token(
        settings, sub=str(user_id), role=role, type="access", family=family, version=version
    )
    refresh, _ = create_token(
        settings, sub=str(user_id), role=role, type="refresh", family=family, version=version
    )
    return TokenPair(access, refresh)


async def rotate(state: AppState, conn: PgConn, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair, exactly once."""
    claims = decode_token(state.settings, refresh_token, "refresh")
    try:
        user_id = UUID(claims.sub)
    except ValueError as exc:
        raise InvalidToken("Invalid token payload") from exc
    if claims.fam and await is_revoked(state, conn, f"fam:{claims.fam}"):
        raise InvalidToken("Refresh token has been revoked")
    # The insert is the lock: of two concurrent rotations one records the jti, the other waits on
    # the primary key, then finds it taken.
    if not await tokens_sql.insert_revocation(conn, claims.jti, "refresh", user_id, claims.exp):
        await revoke_family(state, claims, user_id)
        raise InvalidToken("Refresh token has already been used; its session is revoked")
    await _cache(state, claims.jti, claims.exp)
    user = await users_sql.get_user(conn, user_id)
    if user is None or user["disabled"]:
        raise InvalidToken("User not found or disabled")
    check_token_version(claims, user["token_version"])
    return issue_pair(state.settings, user["id"], user["role"], user["token_version"], claims.fam)


async def logout(state: AppState, conn: PgConn, refresh_token: str, access: TokenClaims | None) -> None:
    """Revoke the refresh token, its family and the presented access token. Idempotent: a token that
    is already revoked or expired is accepted silently; a forged one is refused."""
    try:
        claims: TokenClaims | None = decode_token(state.settings, refresh_token, "refresh")
    except TokenExpired:
        claims = None  # nothing left to revoke
    if claims is not None:
        try:
            user_id: UUID | None = UUID(claims.sub)
        except ValueError:
            user_id = None
        await revoke(state, conn, claims.jti, "refresh", claims.exp, user_id)
        if claims.fam:
            until = family_expiry(state.settings, claims)
            await revoke(state, conn, f"fam:{claims.fam}", "family", until, user_id)
    if access is not None:
        await revoke(state, conn, access.jti, "access", access.exp, _uuid_or_none(access.sub))


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


async def purge_expired(state: AppState) -> int:
    """Delete revocations whose token has expired anyway (Redis entries expire by their TTL)."""
    async with state.pool.acquire() as conn:
        n = await tokens_sql.purge_expired(cast(PgConn, conn))
    if n:
        log.info("revocations_purged", count=n)
    return n
