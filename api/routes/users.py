"""Routes: user management for admins (/users): list, create with any role and link, change role,
links, name, password or disabled flag, delete."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import APIRouter
from pydantic import BaseModel, EmailStr, Field

from accounts.users import check_links, create_account
from api.access import parse_id
from api.auth import AdminUser
from api.connection import Conn
from api.fields import IdText, Password
from api.pagination import PageDep
from api.schemas.accounts import UserList, UserOut
from api.schemas.common import Success, error_responses
from api.state import SettingsDep
from api.wire import user_out
from core.access import Role
from core.errors import Conflict, NotFound, ValidationFailed
from core.security import hash_password_async
from db import users as users_sql
from db.types import PgConn

router = APIRouter(prefix="/users", tags=["users"])


class UserCreate(BaseModel):
    email: EmailStr
    password: Password
    name: str = Field(min_length=1, max_length=255)
    role: Role = "athlete"
    teamId: IdText | None = None
    wrestlerId: IdText | None = None


class UserUpdate(BaseModel):
    """Absent fields are unchanged; an explicit null clears a link."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    role: Role | None = None
    teamId: IdText | None = None
    wrestlerId: IdText | None = None
    disabled: bool | None = None
    password: Password | None = None


@router.get("", response_model=UserList)
async def list_users(
    admin: AdminUser,
    conn: Conn,
    page: PageDep,
) -> dict[str, Any]:
    rows, total = await users_sql.list_users(conn, page.limit, page.offset)
    page.total(total)
    return {"users": [user_out(r) for r in rows]}


@router.post("", status_code=201, response_model=UserOut, responses=error_responses(409))
async def create_user(
    admin: AdminUser, conn: Conn, settings: SettingsDep, body: UserCreate
) -> dict[str, Any]:
    row = await create_account(
        conn,
        bcrypt_rounds=settings.bcrypt_rounds,
        email=str(body.email),
        password=body.password,
        name=body.name,
        role=body.role,
        team_id=body.teamId,
        wrestler_id=body.wrestlerId,
    )
    return user_out(row)


async def _existing(conn: PgConn, user_id: str) -> asyncpg.Record:
    row = await users_sql.get_user(conn, parse_id(user_id, "User"))
    if row is None:
        raise NotFound("User not found", {"userId": user_id})
    return row


@router.get("/{userId}", response_model=UserOut)
async def get_user(admin: AdminUser, conn: Conn, userId: str) -> dict[str, Any]:
    return user_out(await _existing(conn, userId))


@router.put("/{userId}", response_model=UserOut, responses=error_responses(409))
async def update_user(
    admin: AdminUser,
    conn: Conn,
    settings: SettingsDep,
    userId: str,
    body: UserUpdate,
) -> dict[str, Any]:
    row = await _existing(conn, userId)
    sent = body.model_fields_set
    for field in ("name", "role", "disabled"):
        if field in sent and getattr(body, field) is None:
            raise ValidationFailed(f"{field} cannot be null", {f"body.{field}": ["May not be null"]})
    role = body.role or row["role"]
    # Links are re-checked against the resulting role; changing the role drops links it cannot use.
    team = body.teamId if "teamId" in sent else (row["team_id"] if role == "coach" else None)
    wrestler = (
        body.wrestlerId if "wrestlerId" in sent else (row["wrestler_id"] if role == "athlete" else None)
    )
    tid, wid = await check_links(conn, role, team, wrestler)
    changes: dict[str, Any] = {"role": role, "teamId": tid, "wrestlerId": wid}
    if body.name is not None:
        changes["name"] = body.name
    if body.disabled is not None:
        changes["disabled"] = body.disabled
    if body.password is not None:
        changes["passwordHash"] = await hash_password_async(body.password, settings.bcrypt_rounds)
    loses_admin = row["role"] == "admin" and not row["disabled"] and (role != "admin" or body.disabled)
    if loses_admin and await users_sql.count_active_admins(conn) <= 1:
        raise Conflict("The last active admin cannot be demoted or disabled", {"userId": userId})
    updated = await users_sql.update_user(conn, row["id"], changes)
    assert updated is not None
    return user_out(updated)


@router.delete("/{userId}", response_model=Success, responses=error_responses(409))
async def delete_user(admin: AdminUser, conn: Conn, userId: str) -> dict[str, bool]:
    row = await _existing(conn, userId)
    if row["role"] == "admin" and not row["disabled"] and await users_sql.count_active_admins(conn) <= 1:
        raise Conflict("The last active admin cannot be deleted", {"userId": userId})
    await users_sql.delete_user(conn, row["id"])
    return {"success": True}
