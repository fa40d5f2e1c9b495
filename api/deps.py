"""Dependencies named once: the connection with its transaction, the caller, the caller's scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, cast
from uuid import UUID

import asyncpg
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis

from core.access import Principal, Scope
from core.config import Settings
from core.errors import Forbidden, InvalidToken, NotAuthenticated, NotFound
from core.security import decode_token
from db import users as users_sql
from db import wrestlers as wrestlers_sql
from db.types import PgConn, PgPool


@dataclass
class AppState:
    settings: Settings
    pool: PgPool
    redis: Redis


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.wrestle
    return state


State = Annotated[AppState, Depends(get_state)]


def get_settings_dep(state: State) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_conn(state: State) -> AsyncIterator[PgConn]:
    """One connection and one transaction per request: commit on success, roll back on error."""
    async with state.pool.acquire() as conn, conn.transaction():
        yield cast(PgConn, conn)


Conn = Annotated[PgConn, Depends(get_conn)]

_bearer = HTTPBearer(auto_error=False)


async def get_principal(
    state: State,
    conn: Conn,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise NotAuthenticated()
    claims = decode_token(state.settings, credentials.credentials, "access")
    from api.revocation import is_revoked

    if await is_revoked(state, conn, claims.jti):
        raise InvalidToken("Token has been revoked")
    try:
        user_id = UUID(claims.sub)
    except ValueError as exc:
        raise InvalidToken("Invalid token payload") from exc
    row = await users_sql.get_user(conn, user_id)
    if row is None or row["disabled"]:
        raise InvalidToken("User not found or disabled")
    # The role is read from the database on every request: a tampered or stale claim grants nothing.
    return Principal(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        team_id=row["team_id"],
        wrestler_id=row["wrestler_id"],
        token_jti=claims.jti,
        token_exp=claims.exp,
    )


CurrentUser = Annotated[Principal, Depends(get_principal)]


def get_scope(user: CurrentUser) -> Scope:
    return Scope.for_principal(user)


ScopeDep = Annotated[Scope, Depends(get_scope)]


def require_admin(user: CurrentUser) -> Principal:
    if user.role != "admin":
        raise Forbidden("Admin access required")
    return user


AdminUser = Annotated[Principal, Depends(require_admin)]


def require_staff(user: CurrentUser) -> Principal:
    if user.role not in ("admin", "coach"):
        raise Forbidden(f"Role '{user.role}' not authorized for this action")
    return user


StaffUser = Annotated[Principal, Depends(require_staff)]


def parse_id(value: str, what: str = "Wrestler") -> UUID:
    try:
        return UUID(value)
    except ValueError as exc:
        raise NotFound(f"{what} not found", {f"{what.lower()}Id": value}) from exc


async def get_wrestler_in_scope(
    conn: Conn, scope: ScopeDep, wrestler_id: Annotated[str, Path(alias="wrestlerId")]
) -> asyncpg.Record:
    return await wrestlers_sql.require_wrestler(conn, scope, parse_id(wrestler_id))


WrestlerInScope = Annotated[asyncpg.Record, Depends(get_wrestler_in_scope)]
