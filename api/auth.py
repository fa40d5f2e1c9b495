"""Who calls: the bearer token verified once, the user (with its role, links and token version)
read from the database on every request, and the role rules routes name (AdminUser, StaffUser)."""

from __future__ import annotations

from typing import Annotated, cast
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.connection import PooledConn
from api.ratelimit import RATE_LIMIT_STATE, enforce_pending
from api.state import AppState, State
from core.access import Principal
from core.errors import Forbidden, InvalidToken, NotAuthenticated
from core.security import TokenClaims, check_token_version, decode_token
from db import tokens as tokens_sql
from db.types import PgConn

# Request state key of the (token, claims) the rate-limit middleware already verified.
ACCESS_CLAIMS_STATE = "access_claims"

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
    wrestler_id = _path_id(request, "wrestlerId")
    team_id = _path_id(request, "teamId")
    # One round trip: the user, the revocation check (the table is authoritative, Redis or not), the
    # path's wrestler, kept for get_wrestler_in_scope, and the data versions its payloads are keyed by.
    row = await tokens_sql.user_with_revocation(conn, user_id, ids, wrestler_id, team_id)
    if row is None or row["disabled"]:
        raise InvalidToken("User not found or disabled")
    if row["revoked"]:
        raise InvalidToken("Token has been revoked")
    check_token_version(claims, row["token_version"])
    if request is not None:
        if wrestler_id is not None:
            request.state.path_wrestler = (wrestler_id, row["wrestler"])
        request.state.path_team = team_id
        request.state.data_versions = (row["global_version"], row["wrestler_version"], row["team_version"])
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


def _path_id(request: Request | None, name: str) -> UUID | None:
    raw = request.path_params.get(name) if request is not None else None
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


async def get_principal(
    request: Request, state: State, conn: PooledConn, credentials: Credentials
) -> Principal:
    claims = access_claims(state, credentials, request)
    if state.reads is not None and state.reads.on_replica(request):
        # The route reads a replica; the caller is looked up on the primary, so that a disabled
        # account, a revoked token or a moved token version counts at once, however far it lags.
        async with state.pool.acquire() as primary:
            principal = await resolve_principal(state, cast(PgConn, primary), claims, request)
        return await _authenticated(request, principal)
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
    request: Request, state: State, conn: PooledConn, credentials: Credentials
) -> Principal | None:
    """The caller if a token is presented (and then it must be valid), else None."""
    if credentials is None:
        return None
    return await get_principal(request, state, conn, credentials)


OptionalUser = Annotated[Principal | None, Depends(get_optional_principal)]


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
