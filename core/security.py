"""Password hashing and JWTs (HS256, typed access/refresh tokens)."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import anyio
import bcrypt
import jwt

from core.config import Settings
from core.errors import InvalidToken, TokenExpired, ValidationFailed

TokenType = Literal["access", "refresh"]
MAX_PASSWORD_BYTES = 72  # bcrypt ignores everything past 72 bytes; longer passwords are refused


MIN_PASSWORD_BYTES = 8


def pseudonym(settings: Settings, kind: str, value: str) -> str:
    """A stable keyed pseudonym (HMAC-SHA256 under SECRET_KEY) of a personal identifier the service
    keeps outside the database, such as an email or a client IP in a Redis rate-limit key: whoever
    reads Redis learns neither, and without the key cannot test a guess."""
    key = settings.secret_key.get_secret_value().encode()
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def password_problem(password: str) -> str | None:
    n = len(password.encode("utf-8"))
    if n < MIN_PASSWORD_BYTES or n > MAX_PASSWORD_BYTES:
        return f"Password must be {MIN_PASSWORD_BYTES} to {MAX_PASSWORD_BYTES} bytes long (UTF-8), got {n}"
    return None


def check_password_length(password: str, field: str = "body.password") -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(details={field: [problem]})


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > MAX_PASSWORD_BYTES:
        data = data[:MAX_PASSWORD_BYTES]  # still spend one check (timing), but never accept it
        bcrypt.checkpw(data, password_hash.encode("ascii"))
        return False
    try:
        return bcrypt.checkpw(data, password_hash.encode("ascii"))
    except ValueError:  # not a bcrypt hash (e.g. a disabled placeholder)
        return False


@lru_cache(maxsize=4)
def dummy_hash(rounds: int) -> str:
    """A hash of a random password at the configured cost: verifying against it takes as long as a
    real check, so an unknown email answers in the same time as a wrong password."""
    return hash_password(uuid.uuid4().hex, rounds)


async def check_password(password: str, password_hash: str | None, rounds: int) -> bool:
    """bcrypt in a worker thread (it takes ~0.25 s at cost 12); a missing hash still costs one check."""
    if password_hash is None:
        await anyio.to_thread.run_sync(verify_password, password, dummy_hash(rounds))
        return False
    return await anyio.to_thread.run_sync(verify_password, password, password_hash)


async def hash_password_async(password: str, rounds: int) -> str:
    return await anyio.to_thread.run_sync(hash_password, password, rounds)


@dataclass(frozen=True)
class TokenClaims:
    sub: str
    role: str
    jti: str
    type: TokenType
    iat: int
    exp: int
    fam: str | None = None  # refresh-token family (rotation chain)
    ver: int = 0  # the user's token_version when issued (db 0018): a change of credentials ends it


def create_token(
    settings: Settings,
    *,
    sub: str,
    role: str,
    type: TokenType,
    family: str | None = None,
    version: int = 0,
    now: float | None = None,
) -> tuple[str, TokenClaims]:
    issued = int(now if now is not None else time.time())
    ttl = (
        settings.access_token_expire_minutes * 60
        if type == "access"
        else settings.refresh_token_expire_days * 86400
    )
    claims = TokenClaims(
        sub=sub,
        role=role,
        jti=uuid.uuid4().hex,
        type=type,
        iat=issued,
        exp=issued + ttl,
        fam=family,
        ver=version,
    )
    payload: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "jti": claims.jti,
        "type": type,
        "iat": issued,
        "exp": claims.exp,
        "ver": version,
    }
    if family:
        payload["fam"] = family
    return jwt.encode(
        payload, settings.jwt_secret_key.get_secret_value(), algorithm=settings.jwt_algorithm
    ), claims


def check_token_version(claims: TokenClaims, token_version: int) -> None:
    """A token issued before the user's last change of password, role, link or disabled flag (each
    bumps users.token_version) is no longer valid."""
    if claims.ver != token_version:
        raise InvalidToken("Session ended: the account's password, role or access changed; log in again")


def _int_claim(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidToken("Invalid token payload")
    return value


def decode_token(settings: Settings, token: str, expected: TokenType) -> TokenClaims:
    try:
        payload = jwt.decode(
            token,
            settings.jwt_secret_key.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["sub", "jti", "type", "iat", "exp"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    if payload.get("type") != expected:
        raise InvalidToken(f"Expected an {expected} token, got {payload.get('type')!r}")
    return TokenClaims(
        sub=str(payload["sub"]),
        role=str(payload.get("role", "")),
        jti=str(payload["jti"]),
        type=expected,
        iat=int(payload["iat"]),
        exp=int(payload["exp"]),
        fam=payload.get("fam"),
        ver=_int_claim(payload.get("ver", 0)),
    )
