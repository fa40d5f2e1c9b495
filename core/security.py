"""Password hashing and JWTs (HS256, typed access/refresh tokens)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import bcrypt
import jwt

from core.config import Settings
from core.errors import InvalidToken, TokenExpired, ValidationFailed

TokenType = Literal["access", "refresh"]
MAX_PASSWORD_BYTES = 72  # bcrypt ignores everything past 72 bytes; longer passwords are refused


def check_password_length(password: str, field: str = "body.password") -> None:
    n = len(password.encode("utf-8"))
    if n < 8 or n > MAX_PASSWORD_BYTES:
        raise ValidationFailed(details={field: [f"Password must be 8 to {MAX_PASSWORD_BYTES} bytes long"]})


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > MAX_PASSWORD_BYTES:
        return False
    return bcrypt.checkpw(data, password_hash.encode("ascii"))


@dataclass(frozen=True)
class TokenClaims:
    sub: str
    role: str
    jti: str
    type: TokenType
    iat: int
    exp: int
    fam: str | None = None  # refresh-token family (rotation chain)


def create_token(
    settings: Settings,
    *,
    sub: str,
    role: str,
    type: TokenType,
    family: str | None = None,
    now: float | None = None,
) -> tuple[str, TokenClaims]:
    issued = int(now if now is not None else time.time())
    ttl = (
        settings.access_token_expire_minutes * 60
        if type == "access"
        else settings.refresh_token_expire_days * 86400
    )
    claims = TokenClaims(
        sub=sub, role=role, jti=uuid.uuid4().hex, type=type, iat=issued, exp=issued + ttl, fam=family
    )
    payload: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "jti": claims.jti,
        "type": type,
        "iat": issued,
        "exp": claims.exp,
    }
    if family:
        payload["fam"] = family
    return jwt.encode(payload, settings.jwt_secret_key, algorithm=settings.jwt_algorithm), claims


def decode_token(settings: Settings, token: str, expected: TokenType) -> TokenClaims:
    try:
        payload = jwt.decode(
            token,
            settings.jwt_secret_key,
            algorithms=[settings.jwt_algorithm],
            options={"require": ["sub", "jti", "type", "iat", "exp"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    if payload.get("type") != expected:
        raise InvalidToken(f"Expected an {expected} token")
    return TokenClaims(
        sub=str(payload["sub"]),
        role=str(payload.get("role", "")),
        jti=str(payload["jti"]),
        type=expected,
        iat=int(payload["iat"]),
        exp=int(payload["exp"]),
        fam=payload.get("fam"),
    )
