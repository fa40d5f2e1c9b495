"""Small fixtures for the dashboard tests: a team, wrestlers, users with tokens, series points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import polars as pl

from core.config import Settings
from core.security import create_token
from db.types import PgConn
from ingest.refresh import write_transaction
from ingest.writer import POINT_SCHEMA, write_points

TZ_OFFSET = timedelta(hours=3, minutes=30)  # Asia/Tehran (no DST since 2022)
# A valid body of POST /wrestlers/{id}/recovery (the section form).
RECOVERY = {
    "sleepQuality": 88,
    "hrvScore": 72,
    "fatigueLevel": 22,
    "hydrationLevel": 85,
    "readinessScore": 87,
}


@dataclass
class World:
    team: UUID
    other_team: UUID
    wrestler: UUID
    other: UUID
    admin: dict[str, str]
    coach: dict[str, str]
    other_coach: dict[str, str]
    athlete: dict[str, str]
    teamless_coach: dict[str, str]
    insight: UUID | None = None  # an AI insight about `wrestler`, where a test stores one
    weigh_in: UUID | None = None  # a weigh-in of `wrestler`, where a test stores one


async def make_user(conn: PgConn, settings: Settings, role: str, email: str, **links: Any) -> dict[str, str]:
    uid = await conn.fetchval(
        """INSERT INTO users (email, password_hash, name, role, team_id, wrestler_id)
           VALUES ($1, 'x', $1, $2, $3, $4) RETURNING id""",
        email,
        role,
        links.get("team_id"),
        links.get("wrestler_id"),
    )
    token, _ = create_token(settings, sub=str(uid), role=role, type="access")
    return {"Authorization": f"Bearer {token}"}


async def make_world(conn: PgConn, settings: Settings) -> World:
    team = await conn.fetchval("INSERT INTO teams (name) VALUES ('Team A') RETURNING id")
    other_team = await conn.fetchval("INSERT INTO teams (name) VALUES ('Team B') RETURNING id")
    wrestler = await conn.fetchval(
        """INSERT INTO wrestlers (team_id, name_fa, name_en, weight_class, status)
           VALUES ($1, 'حسن', 'Hassan', 86, 'competition_ready') RETURNING id""",
        team,
    )
    other = await conn.fetchval(
        """INSERT INTO wrestlers (team_id, name_fa, name_en, weight_class)
           VALUES ($1, 'رضا', 'Reza', 74) RETURNING id""",
        other_team,
    )
    return World(
        team=team,
        other_team=other_team,
        wrestler=wrestler,
        other=other,
        admin=await make_user(conn, settings, "admin", "admin@x.io"),
        coach=await make_user(conn, settings, "coach", "coach@x.io", team_id=team),
        other_coach=await make_user(conn, settings, "coach", "coach2@x.io", team_id=other_team),
        athlete=await make_user(conn, settings, "athlete", "ath@x.io", wrestler_id=wrestler),
        teamless_coach=await make_user(conn, settings, "coach", "coach3@x.io"),
    )


async def write(conn: PgConn, wrestler: UUID, points: list[tuple[str, datetime, float]]) -> None:
    """Write (metric key, time, value) points through the one write path and commit as the API does
    (refreshing everything, continuous aggregates included)."""
    keys = sorted({p[0] for p in points})
    rows = await conn.fetch("SELECT key, id, domain FROM metric_definitions WHERE key = ANY($1)", keys)
    meta = {r["key"]: (r["id"], r["domain"]) for r in rows}
    df = pl.DataFrame(
        {
            "wrestler_id": [str(wrestler)] * len(points),
            "metric_id": [meta[k][0] for k, _, _ in points],
            "domain": [meta[k][1] for k, _, _ in points],
            "recorded_at": [t for _, t, _ in points],
            "value": [v for _, _, v in points],
            "source": ["test"] * len(points),
        },
        schema=POINT_SCHEMA,
    )
    async with write_transaction(conn):
        await write_points(conn, df, None)


def local_noon(days_ago: int) -> datetime:
    """Noon Tehran time, `days_ago` local days before today (UTC)."""
    today = (datetime.now(UTC) + TZ_OFFSET).date()
    day = today - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC) - TZ_OFFSET


def local_date(days_ago: int) -> str:
    return str((datetime.now(UTC) + TZ_OFFSET).date() - timedelta(days=days_ago))
