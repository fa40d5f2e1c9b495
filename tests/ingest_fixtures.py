"""Small fixtures for the ingest tests: a team, wrestlers, users with tokens, direct aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import httpx

from core.config import Settings
from core.domains import DOMAIN_KEYS
from core.security import create_token
from db import users as users_sql
from db.types import PgConn


@dataclass
class World:
    team: UUID
    other_team: UUID
    ali: UUID  # team, external id EXT-1
    reza: UUID  # other team
    tokens: dict[str, str]


async def make_world(conn: PgConn, settings: Settings) -> World:
    team = await conn.fetchval("INSERT INTO teams (name) VALUES ('Team A') RETURNING id")
    other = await conn.fetchval("INSERT INTO teams (name) VALUES ('Team B') RETURNING id")
    ali = await conn.fetchval(
        "INSERT INTO wrestlers (team_id, name_fa, name_en, weight_class, external_id)"
        " VALUES ($1, 'علی', 'Ali Karimi', 74, 'EXT-1') RETURNING id",
        team,
    )
    reza = await conn.fetchval(
        "INSERT INTO wrestlers (team_id, name_fa, name_en, weight_class)"
        " VALUES ($1, 'رضا', 'Reza Ahmadi', 86) RETURNING id",
        other,
    )
    tokens: dict[str, str] = {}
    for role, team_id, wrestler_id in (("admin", None, None), ("coach", team, None), ("athlete", None, ali)):
        u = await users_sql.insert_user(
            conn,
            email=f"{role}@example.com",
            password_hash="x",
            name=role,
            role=role,
            team_id=team_id,
            wrestler_id=wrestler_id,
        )
        assert u is not None
        tokens[role], _ = create_token(settings, sub=str(u["id"]), role=role, type="access")
    return World(team, other, ali, reza, tokens)


def auth(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


async def points(conn: PgConn, domain: str = "body_composition") -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT w.name_en, m.key, s.recorded_at, s.value, s.source, s.batch_id
              FROM {domain}_series s JOIN metric_definitions m ON m.id = s.metric_id
              JOIN wrestlers w ON w.id = s.wrestler_id
             ORDER BY 1, 2, 3"""
    )


async def assert_derived_consistent(conn: PgConn) -> None:
    """Daily aggregates and snapshots equal a direct computation from the raw series."""
    for domain in DOMAIN_KEYS:
        expected = await conn.fetch(
            f"""SELECT wrestler_id, metric_id, time_bucket('1 day', recorded_at, bucket_timezone()) AS b,
                       avg(value) AS a, min(value) AS lo, max(value) AS hi, count(*) AS n,
                       first(value, recorded_at) AS fv, last(value, recorded_at) AS lv
                  FROM {domain}_series GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
        )
        actual = await conn.fetch(
            f"""SELECT wrestler_id, metric_id, bucket AS b, avg_value AS a, min_value AS lo, max_value AS hi,
                       sample_count AS n, first_value AS fv, last_value AS lv
                  FROM {domain}_daily ORDER BY 1, 2, 3"""
        )
        assert [_round(r) for r in actual] == [_round(r) for r in expected], domain
        snap_expected = await conn.fetch(
            f"""SELECT DISTINCT ON (wrestler_id, metric_id) wrestler_id, metric_id, value, recorded_at
                  FROM {domain}_series ORDER BY wrestler_id, metric_id, recorded_at DESC"""
        )
        snap_actual = await conn.fetch(
            f"SELECT wrestler_id, metric_id, value, recorded_at FROM {domain}_metrics ORDER BY 1, 2"
        )
        assert sorted(map(tuple, snap_actual)) == sorted(map(tuple, snap_expected)), domain


def _round(r: Any) -> tuple[Any, ...]:
    return tuple(round(v, 9) if isinstance(v, float) else v for v in r)


# Generated data for the large-file tests and benchmarks: 50 wrestlers (external ids W001…),
# 10 body-composition metrics, one reading every 10 minutes.
GEN_METRICS = {
    "weight": (60.0, 100.0),
    "body_fat": (5.0, 20.0),
    "muscle_mass": (30.0, 60.0),
    "bmr": (1500.0, 2500.0),
    "total_body_water": (30.0, 60.0),
    "phase_angle": (5.0, 9.0),
    "fat_mass": (5.0, 20.0),
    "bmi": (20.0, 30.0),
    "lean_body_mass": (50.0, 80.0),
    "visceral_fat_level": (1.0, 10.0),
}
GEN_WRESTLERS = 50


async def create_generated_wrestlers(conn: PgConn) -> None:
    await conn.execute(
        """INSERT INTO wrestlers (name_fa, name_en, weight_class, external_id)
           SELECT 'W' || lpad(i::text, 3, '0'), 'W' || lpad(i::text, 3, '0'), 74, 'W' || lpad(i::text, 3, '0')
             FROM generate_series(1, $1) AS i ON CONFLICT DO NOTHING""",
        GEN_WRESTLERS,
    )


def generate_long_csv(path: Any, rows: int, since: datetime | None = None, step_minutes: int = 10) -> None:
    """Write `rows` readings (wrestler, metric, recorded_at, value) with unique keys, in blocks: each
    (wrestler, metric) a reading every `step_minutes` from `since` (default 2024-01-01 UTC)."""
    import polars as pl

    first = since or datetime(2024, 1, 1, tzinfo=UTC)
    keys = [(f"W{w:03d}", m) for w in range(1, GEN_WRESTLERS + 1) for m in GEN_METRICS]
    per_key = -(-rows // len(keys))
    block = 200_000
    with open(path, "wb") as f:
        f.write(b"wrestler,metric,recorded_at,value\n")
        written = 0
        start = 0
        while written < rows:
            n = min(block, rows - written)
            idx = pl.int_range(start, start + n, eager=True)
            key_i = idx // per_key
            step = idx % per_key
            df = pl.DataFrame({"k": key_i, "step": step}).with_columns(
                pl.col("k").map_elements(lambda k: keys[k][0], return_dtype=pl.String).alias("wrestler"),
                pl.col("k").map_elements(lambda k: keys[k][1], return_dtype=pl.String).alias("metric"),
                (pl.lit(first) + pl.duration(minutes=pl.col("step") * step_minutes))
                .dt.strftime("%Y-%m-%dT%H:%M:%SZ")
                .alias("recorded_at"),
            )
            lo = df["metric"].replace_strict(
                {m: r[0] for m, r in GEN_METRICS.items()}, return_dtype=pl.Float64
            )
            hi = df["metric"].replace_strict(
                {m: r[1] for m, r in GEN_METRICS.items()}, return_dtype=pl.Float64
            )
            frac = ((df["step"] * 7919 + df["k"] * 104729) % 1000) / 1000.0
            df = df.with_columns((lo + (hi - lo) * frac).round(2).alias("value"))
            f.write(
                df.select("wrestler", "metric", "recorded_at", "value")
                .write_csv(include_header=False)
                .encode()
            )
            written += n
            start += n


URL = "/api/v1/ingest/csv"
HEADER = "wrestler,metric,recorded_at,value\n"


async def post_csv(
    client: httpx.AsyncClient, world: World, body: str, role: str = "admin", **params: object
) -> httpx.Response:
    headers = {**auth(world, role), "Content-Type": "text/csv"}
    q = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items()}
    return await client.post(URL, content=body.encode(), headers=headers, params=q)
