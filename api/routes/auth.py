"""Routes: signup, login, refresh (rotating), logout, me (docs/API.md §4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, EmailStr, Field

from accounts.users import create_account
from api.auth import Credentials, CurrentUser, OptionalUser, access_claims
from api.connection import Conn
from api.fields import IdText, Password
from api.revocation import TokenPair, issue_pair, logout, rotate
from api.schemas.accounts import LoginOut, Tokens, UserOut
from api.schemas.common import Success, error_responses
from api.state import AppState, State
from api.wire import user_out
from core.access import Role
from core.errors import Forbidden, InvalidCredentials, InvalidToken, NotAuthenticated, RateLimited
from core.security import TokenClaims, check_password, pseudonym
from db import users as users_sql

router = APIRouter(prefix="/auth", tags=["auth"])


class SignupIn(BaseModel):
    email: EmailStr
    password: Password
    name: str = Field(min_length=1, max_length=255)
    role: Role = "athlete"
    wrestlerId: IdText | None = None
    teamId: IdText | None = None


class LoginIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(BaseModel):
    refreshToken: str = Field(min_length=1, max_length=4096)


def _tokens(pair: TokenPair) -> dict[str, str]:
    return {"accessToken": pair.access, "refreshToken": pair.refresh, "tokenType": "bearer"}


async def _throttle_signup(state: AppState, request: Request) -> None:
    """Anonymous signups per client IP (SIGNUP_MAX_PER_IP per SIGNUP_WINDOW_SECONDS), counted before
    the email is looked at, so that neither accounts nor taken emails can be farmed in bulk."""
    limits = state.limits
    assert limits is not None
    key = f"signup-ip:{pseudonym(state.settings, 'ip', _client_ip(request))}"
    verdict = await limits.check(limits.signup_ip, key)
    if not verdict.allowed:
        raise RateLimited(
            f"Too many signups from this address; retry in {verdict.retry_after} s",
            {"retryAfter": verdict.retry_after, "limit": state.settings.signup_max_per_ip},
            headers=verdict.headers(),
        )


@router.post("/signup", status_code=201, response_model=UserOut, responses=error_responses(409))
async def signup(
    body: SignupIn, request: Request, conn: Conn, state: State, caller: OptionalUser
) -> dict[str, Any]:
    """Anonymous signup (when ALLOW_SIGNUP) creates an unlinked athlete; any other role, or a link to
    a wrestler or team, needs an admin's token."""
    privileged = body.role != "athlete" or body.wrestlerId is not None or body.teamId is not None
    if caller is None:
        if privileged:
            raise NotAuthenticated(
                "Creating a coach or admin, or linking a wrestler or team, needs an admin's token",
                {"role": body.role},
            )
        if not state.settings.allow_signup:
            raise Forbidden("Signup is disabled; ask an administrator for an account")
        await _throttle_signup(state, request)
    elif caller.role != "admin":
        raise Forbidden("Only an admin may create accounts for others", {"role": caller.role})
    row = await create_account(
        conn,
        bcrypt_rounds=state.settings.bcrypt_rounds,
        email=str(body.email),
        password=body.password,
        name=body.name,
        role=body.role,
        team_id=body.teamId,
        wrestler_id=body.wrestlerId,
    )
    return user_out(row)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login", response_model=LoginOut, responses=error_responses(401))
async def login(body: LoginIn, request: Request, conn: Conn, state: State) -> dict[str, Any]:
    """Same answer and about the same time for an unknown email and a wrong password (a dummy bcrypt
    check runs when the email is unknown). Failures are throttled per email and per client IP."""
    limits = state.limits
    assert limits is not None
    email_key = f"login-email:{pseudonym(state.settings, 'email', str(body.email).lower())}"
    ip_key = f"login-ip:{pseudonym(state.settings, 'ip', _client_ip(request))}"
    for item, key in ((limits.login_email, email_key), (limits.login_ip, ip_key)):
        verdict = await limits.check(item, key, hit=False)
        if not verdict.allowed:
            raise RateLimited(
                f"Too many failed logins; retry in {verdict.retry_after} s",
                {"retryAfter": verdict.retry_after},
                headers=verdict.headers(),
            )
    row = await users_sql.get_user_by_email(conn, str(body.email))
    ok = await check_password(
        body.password, row["password_hash"] if row else None, state.settings.bcrypt_rounds
    )
    if row is None or not ok or row["disabled"]:
        await limits.check(limits.login_email, email_key)
        await limits.check(limits.login_ip, ip_key)
        raise InvalidCredentials()
    await limits.clear(limits.login_email, email_key)
    request.state.user_id = str(row["id"])
    pair = issue_pair(state.settings, row["id"], row["role"], row["token_version"])
    return {**_tokens(pair), "user": user_out(row)}


@router.post("/refresh", response_model=Tokens, responses=error_responses(401))
async def refresh(body: RefreshIn, conn: Conn, state: State) -> dict[str, str]:
    """A new access token and a new refresh token; the presented refresh token is spent. Presenting a
    spent one again revokes its whole session (all tokens of the family)."""
    return _tokens(await rotate(state, conn, body.refreshToken))


@router.post("/logout", response_model=Success)
async def logout_session(
    body: RefreshIn, conn: Conn, state: State, credentials: Credentials
) -> dict[str, bool]:
    """Revokes the refresh token, its session and the presented access token. Idempotent."""
    access: TokenClaims | None = None
    if credentials is not None:
        try:
            access = access_claims(state, credentials)
        except (InvalidToken, NotAuthenticated):
            access = None  # an expired or foreign access token does not block logging out
    await logout(state, conn, body.refreshToken, access)
    return {"success": True}


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser, conn: Conn) -> dict[str, Any]:
    row = await users_sql.get_user(conn, user.id)
    assert row is not None
    return user_out(row)
