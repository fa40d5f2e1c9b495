"""Dependencies named once: the connection with its transaction, the caller, the caller's scope, and
the access rules (RBAC lives here and in core.access; routes only name the rule they need).

Rules: admins may do everything; a coach reads and writes the wrestlers of their own team (a coach
without a team sees nothing); an athlete reads only their own wrestler and writes only their own
self-reported data (recovery, supplements, training program). A nonexistent id is 404 for everyone;
an existing one out of scope is 403. Anonymous callers get 401 before either.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, cast
from uuid import UUID

import asyncpg
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis

from api.ratelimit import RATE_LIMIT_STATE, enforce_pending
from core.access import Principal, Scope
from core.config import Settings
from core.errors import Forbidden, InvalidToken, NotAuthenticated, NotFound
from core.security import TokenClaims, check_token_version, decode_token
from db import teams as teams_sql
from db import tokens as tokens_sql
from db import wrestlers as wrestlers_sql
from db.types import PgConn, PgPool
from ingest.refresh import write_transaction

if TYPE_CHECKING:
    from api.prometheus import ApiMetrics
    from api.ratelimit import RateLimits


@dataclass
class AppState:
    settings: Settings
    pool: PgPool
    redis: Redis
    limits: RateLimits | None = None
    metrics: ApiMetrics | None = None
    # The database's day-bucket zone, read once at start-up: it is fixed when the aggregates are made.
    bucket_timezone: str = "UTC"
    # CSV uploads being ingested at once in this process (INGEST_CONCURRENCY), each on its own connection.
    upload_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.wrestle
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: State) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


# Methods without side effects: no transaction (get_conn); rate limit counted while authenticating.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Request state key of the (token, claims) the rate-limit middleware already verified.
ACCESS_CLAIMS_STATE = "access_claims"


async def get_pooled_conn(state: State) -> AsyncIterator[PgConn]:
    """The request's connection, returned to the pool after the response is sent (its reset is a
    round trip nobody needs to wait for)."""
    async with state.pool.acquire() as conn:
        yield cast(PgConn, conn)


PooledConn = Annotated[PgConn, Depends(get_pooled_conn)]


async def get_conn(request: Request, conn: PooledConn) -> AsyncIterator[PgConn]:
    """Writes run in one transaction that commits (or rolls back) when the route returns, before
    the response is sent, so a 2xx always means committed; then what must follow a commit runs
    (continuous-aggregate refreshes). Reads run without BEGIN/COMMIT: two round trips saved on every
    dashboard call, and under READ COMMITTED a transaction would not give their statements one
    snapshot anyway."""
    if request.method in READ_METHODS:
        yield conn
        return
    async with write_transaction(conn):
        yield conn


# scope="function": the dependency's exit (the commit) runs before the response is sent.
Conn = Annotated[PgConn, Depends(get_conn, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="The accessToken of POST /api/v1/auth/login")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def access_claims(
    state: AppState, credentials: HTTPAuthorizationCredentials | None, request: Request | None = None
) -> TokenClaims:
    if credentials is None:
        raise NotAuthenticated("Missing bearer token")
    verified = getattr(request.state, ACCESS_CLAIMS_STATE, None) if request is not None else None
    if verified is not None and verified[0] == credentials.credentials:
        return cast(TokenClaims, verified[1])  # checked by the rate-limit middleware
    return decode_token(state.settings, credentials.credentials, "access")


async def resolve_principal(
    state: AppState, conn: PgConn, claims: TokenClaims, request: Request | None = None
) -> Principal:
    try:
        user_id = UUID(claims.sub)
    except ValueError as exc:
        raise InvalidToken("Invalid token payload") from exc
    ids = [claims.jti, f"fam:{claims.fam}"] if claims.fam else [claims.jti]
    wrestler_id = _path_wrestler(request)
    # One round trip: the user, the revocation check (the table is authoritative, Redis or not) and
    # the path's wrestler, kept for get_wrestler_in_scope.
    row = await tokens_sql.user_with_revocation(conn, user_id, ids, wrestler_id)
    if row is None or row["disabled"]:
        raise InvalidToken("User not found or disabled")
    if row["revoked"]:
        raise InvalidToken("Token has been revoked")
    check_token_version(claims, row["token_version"])
    if request is not None and wrestler_id is not None:
        request.state.path_wrestler = (wrestler_id, row["wrestler"])
    # The role comes from the database on every request: a tampered or stale claim grants nothing.
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


def _path_wrestler(request: Request | None) -> UUID | None:
    raw = request.path_params.get("wrestlerId") if request is not None else None
    try:
        return UUID(raw) if raw else None
    except ValueError:
        return None


async def _authenticated(request: Request, principal: Principal) -> Principal:
    request.state.user_id = str(principal.id)  # for the access log line
    # An authenticated read's rate-limit verdict was counted during the lookup (api.middleware):
    # settled here, before the route reads anything.
    await enforce_pending(getattr(request.state, RATE_LIMIT_STATE, None))
    return principal


async def get_principal(request: Request, state: State, conn: Conn, credentials: Credentials) -> Principal:
    claims = access_claims(state, credentials, request)
    return await _authenticated(request, await resolve_principal(state, conn, claims, request))


CurrentUser = Annotated[Principal, Depends(get_principal)]


async def get_uploader(request: Request, state: State, credentials: Credentials) -> Principal:
    """The caller of a route that must not hold a pooled connection while it works (CSV uploads):
    looked up on a connection borrowed for the lookup only."""
    claims = access_claims(state, credentials, request)
    async with state.pool.acquire() as conn:
        principal = await resolve_principal(state, cast(PgConn, conn), claims, request)
    return await _authenticated(request, principal)


Uploader = Annotated[Principal, Depends(get_uploader)]


async def get_optional_principal(
    request: Request, state: State, conn: Conn, credentials: Credentials
) -> Principal | None:
    """The caller if a token is presented (and then it must be valid), else None."""
    if credentials is None:
        return None
    return await get_principal(request, state, conn, credentials)


OptionalUser = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_scope(user: CurrentUser) -> Scope:
    return Scope.for_principal(user)


ScopeDep = Annotated[Scope, Depends(get_scope)]


async def require_admin(user: CurrentUser) -> Principal:
    if user.role != "admin":
        raise Forbidden("Admin access required", {"role": user.role})
    return user


AdminUser = Annotated[Principal, Depends(require_admin)]


async def require_staff(user: CurrentUser) -> Principal:
    if user.role not in ("admin", "coach"):
        raise Forbidden(f"Role '{user.role}' not authorized for this action", {"role": user.role})
    return user


StaffUser = Annotated[Principal, Depends(require_staff)]


def parse_id(value: str, what: str = "Wrestler") -> UUID:
    """A path id; one that is not a UUID cannot exist, so it is 404 like any unknown id."""
    try:
        return UUID(value)
    except ValueError as exc:
        raise NotFound(f"{what} not found", {f"{what.lower()}Id": value}) from exc


WrestlerIdPath = Annotated[str, Path(alias="wrestlerId")]
TeamIdPath = Annotated[str, Path(alias="teamId")]


async def _path_wrestler_row(
    request: Request, conn: PgConn, scope: Scope, wrestler_id: str
) -> asyncpg.Record:
    wid = parse_id(wrestler_id)
    prefetched = getattr(request.state, "path_wrestler", None)
    if prefetched is not None and prefetched[0] == wid:
        return wrestlers_sql.check_wrestler(scope, wid, prefetched[1])
    return await wrestlers_sql.require_wrestler(conn, scope, wid)


async def get_wrestler_in_scope(
    request: Request, conn: Conn, scope: ScopeDep, wrestler_id: WrestlerIdPath
) -> asyncpg.Record:
    """Read access to the path's wrestler (also the rule for self-reported writes: an athlete's scope
    is their own wrestler)."""
    return await _path_wrestler_row(request, conn, scope, wrestler_id)


WrestlerInScope = Annotated[asyncpg.Record, Depends(get_wrestler_in_scope)]
# Self-reported data (recovery, supplements, training program): whoever may read may write.
WrestlerSelfReported = WrestlerInScope


async def get_wrestler_for_staff_write(
    request: Request, conn: Conn, user: CurrentUser, scope: ScopeDep, wrestler_id: WrestlerIdPath
) -> asyncpg.Record:
    """Write access reserved to staff: admin, or the coach of the wrestler's team (404 first)."""
    row = await _path_wrestler_row(request, conn, scope, wrestler_id)
    if user.role not in ("admin", "coach"):
        raise Forbidden(f"Role '{user.role}' may not change this wrestler's data", {"role": user.role})
    return row


WrestlerForStaffWrite = Annotated[asyncpg.Record, Depends(get_wrestler_for_staff_write)]


async def get_team_in_scope(
    conn: Conn, user: CurrentUser, scope: ScopeDep, team_id: TeamIdPath
) -> asyncpg.Record:
    """Read access to the path's team: athletes never (403, as the team board's StaffUser rule),
    then 404 when it does not exist, admins any team, coaches their own."""
    if user.role == "athlete":  # no team access at all, whichever the id
        raise Forbidden("Athletes cannot access team data", {"teamId": team_id})
    tid = parse_id(team_id, "Team")
    row = await teams_sql.get_team(conn, scope, tid)
    if row is None:
        if await teams_sql.team_exists(conn, tid):
            raise Forbidden("Coaches can only access their own team", {"teamId": team_id})
        raise NotFound("Team not found", {"teamId": team_id})
    return row


TeamInScope = Annotated[asyncpg.Record, Depends(get_team_in_scope)]


async def get_team_for_admin(
    conn: Conn, user: CurrentUser, scope: ScopeDep, team_id: TeamIdPath
) -> asyncpg.Record:
    """Admin-only team writes: athletes 403 (as every team route), 404 for an unknown team, then 403
    for coaches."""
    if user.role == "athlete":
        raise Forbidden("Athletes cannot access team data", {"teamId": team_id})
    tid = parse_id(team_id, "Team")
    if not await teams_sql.team_exists(conn, tid):
        raise NotFound("Team not found", {"teamId": team_id})
    if user.role != "admin":
        raise Forbidden("Admin access required", {"role": user.role})
    row = await teams_sql.get_team(conn, scope, tid)
    assert row is not None
    return row


TeamForAdmin = Annotated[asyncpg.Record, Depends(get_team_for_admin)]
