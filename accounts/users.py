"""Creating accounts: a user's links checked against its role, its password hashed."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from core.errors import UserExists, ValidationFailed
from core.security import hash_password_async
from db import teams as teams_sql
from db import users as users_sql
from db import wrestlers as wrestlers_sql
from db.types import PgConn


def _parse_link(value: str | UUID | None, field: str) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    try:
        return UUID(value)
    except ValueError as exc:
        raise ValidationFailed(
            f"Invalid {field}", {f"body.{field}": [f"'{value}' is not a valid id"]}
        ) from exc


async def check_links(
    conn: PgConn, role: str, team_id: str | UUID | None, wrestler_id: str | UUID | None
) -> tuple[UUID | None, UUID | None]:
    """The parsed links of a user of `role`, refusing (422) unknown ids and links the role cannot
    use: a team belongs to a coach, a wrestler to an athlete, an admin has neither."""
    tid = _parse_link(team_id, "teamId")
    wid = _parse_link(wrestler_id, "wrestlerId")
    problems: dict[str, list[str]] = {}
    if tid is not None:
        if role != "coach":
            problems["body.teamId"] = [f"Only a coach is linked to a team, not an {role}"]
        elif not await teams_sql.team_exists(conn, tid):
            problems["body.teamId"] = [f"Team {tid} does not exist"]
    if wid is not None:
        if role != "athlete":
            problems["body.wrestlerId"] = [f"Only an athlete is linked to a wrestler, not a {role}"]
        elif not await wrestlers_sql.wrestler_exists(conn, wid):
            problems["body.wrestlerId"] = [f"Wrestler {wid} does not exist"]
    if problems:
        raise ValidationFailed("Invalid user links", problems)
    return tid, wid


async def create_account(
    conn: PgConn,
    *,
    email: str,
    password: str,
    bcrypt_rounds: int,
    name: str,
    role: str,
    team_id: str | UUID | None = None,
    wrestler_id: str | UUID | None = None,
) -> asyncpg.Record:
    """A new user with checked links and a hashed password (off the event loop); 409 USER_EXISTS
    when the email is taken (case-insensitively)."""
    tid, wid = await check_links(conn, role, team_id, wrestler_id)
    password_hash = await hash_password_async(password, bcrypt_rounds)
    row = await users_sql.insert_user(
        conn, email=email, password_hash=password_hash, name=name, role=role, team_id=tid, wrestler_id=wid
    )
    if row is None:
        raise UserExists(details={"email": email})
    return row
