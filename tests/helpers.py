"""Shared test helpers: teams, wrestlers and users created directly in the database, tokens obtained
through the real login endpoint, and `make_world`, a small population covering every role.

    world = await make_world(conn, client)
    r = await client.get(f"/api/v1/wrestlers/{world.w1}", headers=world.coach_a.headers)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from uuid import UUID

import bcrypt
import httpx

from core.access import Scope
from db import teams as teams_sql
from db import users as users_sql
from db import wrestlers as wrestlers_sql
from db.types import PgConn

API = "/api/v1"
PASSWORD = "correct-horse-battery"  # every helper-made user has this password unless told otherwise
# Hashed once at cost 4 (the minimum bcrypt accepts) so that making users stays fast.
_PASSWORD_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_team(conn: PgConn, name: str | None = None) -> UUID:
    row = await teams_sql.insert_team(conn, name or f"Team {uuid.uuid4().hex[:6]}")
    team_id: UUID = row["id"]
    return team_id


async def create_wrestler(
    conn: PgConn,
    team_id: UUID | None = None,
    *,
    name_en: str | None = None,
    name_fa: str = "کشتی‌گیر",
    weight_class: int = 74,
    status: str = "normal",
) -> UUID:
    row = await wrestlers_sql.insert_wrestler(
        conn,
        Scope("all"),
        name_fa=name_fa,
        name_en=name_en or f"Wrestler {uuid.uuid4().hex[:6]}",
        weight_class=weight_class,
        team_id=team_id,
        status=status,
    )
    assert row is not None
    wrestler_id: UUID = row["id"]
    return wrestler_id


async def create_user(
    conn: PgConn,
    role: str,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    team_id: UUID | None = None,
    wrestler_id: UUID | None = None,
    name: str | None = None,
) -> UUID:
    """A user of `role` (admin, coach, athlete) with a known password, written straight to the DB."""
    pw_hash = (
        _PASSWORD_HASH
        if password == PASSWORD
        else bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    )
    row = await users_sql.insert_user(
        conn,
        email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.com",
        password_hash=pw_hash,
        name=name or role.capitalize(),
        role=role,
        team_id=team_id,
        wrestler_id=wrestler_id,
    )
    assert row is not None, f"email {email} already taken"
    user_id: UUID = row["id"]
    return user_id


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """{accessToken, refreshToken} from POST /api/v1/auth/login (fails the test on any other answer)."""
    r = await client.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    body = r.json()
    return {"accessToken": body["accessToken"], "refreshToken": body["refreshToken"]}


async def access_token(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    return (await login(client, email, password))["accessToken"]


@dataclass
class Actor:
    """A user with its credentials and the tokens of one login."""

    id: UUID
    email: str
    role: str
    access: str
    refresh: str
    password: str = PASSWORD
    team_id: UUID | None = None
    wrestler_id: UUID | None = None

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access)


async def create_actor(
    conn: PgConn,
    client: httpx.AsyncClient,
    role: str,
    *,
    email: str | None = None,
    team_id: UUID | None = None,
    wrestler_id: UUID | None = None,
) -> Actor:
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    uid = await create_user(conn, role, email=email, team_id=team_id, wrestler_id=wrestler_id)
    tokens = await login(client, email)
    return Actor(
        id=uid,
        email=email,
        role=role,
        access=tokens["accessToken"],
        refresh=tokens["refreshToken"],
        team_id=team_id,
        wrestler_id=wrestler_id,
    )


@dataclass
class World:
    """admin; team A (coach_a, wrestlers w1 — linked to `athlete` — and w2, linked to `athlete2`);
    team B (coach_b, wrestler w3); a coach without a team."""

    team_a: UUID
    team_b: UUID
    w1: UUID
    w2: UUID
    w3: UUID
    admin: Actor
    coach_a: Actor
    coach_b: Actor
    teamless_coach: Actor
    athlete: Actor
    athlete2: Actor
    extra: dict[str, UUID] = field(default_factory=dict)


async def make_world(conn: PgConn, client: httpx.AsyncClient) -> World:
    """Needs the `conn` and `client` fixtures of the same test (same database). Commits directly."""
    team_a = await create_team(conn, "Team A")
    team_b = await create_team(conn, "Team B")
    w1 = await create_wrestler(conn, team_a, name_en="Alpha One", weight_class=86, status="competition_ready")
    w2 = await create_wrestler(conn, team_a, name_en="Alpha Two", weight_class=65, status="attention")
    w3 = await create_wrestler(conn, team_b, name_en="Bravo Three", weight_class=125)
    return World(
        team_a=team_a,
        team_b=team_b,
        w1=w1,
        w2=w2,
        w3=w3,
        admin=await create_actor(conn, client, "admin", email="admin@example.com"),
        coach_a=await create_actor(conn, client, "coach", email="coach.a@example.com", team_id=team_a),
        coach_b=await create_actor(conn, client, "coach", email="coach.b@example.com", team_id=team_b),
        teamless_coach=await create_actor(conn, client, "coach", email="coach.none@example.com"),
        athlete=await create_actor(conn, client, "athlete", email="athlete.w1@example.com", wrestler_id=w1),
        athlete2=await create_actor(conn, client, "athlete", email="athlete.w2@example.com", wrestler_id=w2),
    )
