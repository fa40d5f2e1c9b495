"""Users, tokens."""

from __future__ import annotations

from typing import Literal

from api.schemas.base import Wire
from core.access import Role


class UserOut(Wire):
    """A user on the wire: never the password hash."""

    id: str
    email: str
    name: str
    role: Role
    team_id: str | None
    wrestler_id: str | None
    disabled: bool
    created_at: str


class UserList(Wire):
    users: list[UserOut]


class Tokens(Wire):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]


class LoginOut(Tokens):
    user: UserOut
