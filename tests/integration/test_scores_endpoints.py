"""Score endpoints and the recompute on the write path."""

from __future__ import annotations

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from query.score_refresh import recompute_scores
from tests.dashboard_fixtures import World, local_date, local_noon, make_world, write


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


def url(w: World, path: str) -> str:
    return f"/api/v1/wrestlers/{w.wrestler}/scores/{path}"


SEED = [
    ("sleep_quality", 88.0),
    ("hrv_score", 72.0),
    ("fatigue_level", 22.0),
    ("hydration_level", 85.0),
    ("readiness_score", 87.0),
    ("adherence", 92.0),
    ("performance_correlation", 0.85),
]


async def seed(conn: PgConn, w: World) -> None:
    await write(conn, w.wrestler, [(k, local_noon(1), v) for k, v in SEED])


class TestOverall:
    async def test_empty_is_null(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "overall"), headers=world.admin)
        assert r.json() == {"score": None, "grade": None, "lastUpdated": None}

    async def test_renormalised_over_present_sections(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        await seed(conn, world)
        body = (await client.get(url(world, "overall"), headers=world.admin)).json()
        expected = (0.20 * 74.95 + 0.10 * (0.6 * 92 + 0.4 * 92.5)) / 0.30
        assert body == {"score": round(expected, 1), "grade": "good", "lastUpdated": local_date(1)}


class TestDomains:
    async def test_shape_and_values(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        await seed(conn, world)
        body = (await client.get(url(world, "domains"), headers=world.admin)).json()
        assert body == {
            "strength": None,
            "endurance": None,
            "recovery": 75.0,
            "bodyComposition": None,
            "bloodwork": None,
            "supplements": 92.2,
        }


class TestExplanation:
    async def test_empty(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "explanation"), headers=world.admin)).json()
        assert body["drivers"] == [] and isinstance(body["notes"], str)

    async def test_real_drivers(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        await seed(conn, world)
        body = (await client.get(url(world, "explanation"), headers=world.admin)).json()
        drivers = {d["metric"]: d for d in body["drivers"]}
        assert set(drivers) == {"recovery", "supplements"}
        assert drivers["recovery"]["weight"] == pytest.approx(2 / 3, abs=1e-4)
        assert drivers["recovery"]["impact"] == "-"
        assert drivers["supplements"]["impact"] == "+"
        assert set(body["drivers"][0]) >= {"metric", "impact", "weight"}


class TestRecompute:
    async def test_unchanged_inputs_add_no_row(self, world: World, conn: PgConn) -> None:
        await seed(conn, world)
        before = await conn.fetchval("SELECT count(*) FROM section_scores")
        assert await recompute_scores(conn, [str(world.wrestler)]) == 0
        assert await conn.fetchval("SELECT count(*) FROM section_scores") == before

    async def test_new_value_adds_rows_for_section_and_overall(self, world: World, conn: PgConn) -> None:
        await seed(conn, world)
        await write(conn, world.wrestler, [("adherence", local_noon(0), 50.0)])
        rows = await conn.fetch("SELECT section_key, count(*) AS n FROM section_scores GROUP BY 1 ORDER BY 1")
        assert {r["section_key"]: r["n"] for r in rows} == {"overall": 2, "recovery": 1, "supplements": 2}

    async def test_drivers_are_stored(self, world: World, conn: PgConn) -> None:
        await seed(conn, world)
        n = await conn.fetchval(
            """SELECT count(*) FROM score_drivers d JOIN section_scores s ON s.id = d.section_score_id
                WHERE s.section_key = 'recovery'"""
        )
        assert n == 5

    async def test_section_losing_inputs_loses_score(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        await seed(conn, world)
        async with conn.transaction():
            await conn.execute("DELETE FROM supplements_series")
            await conn.execute("DELETE FROM supplements_metrics")  # the scores read the snapshots
            await recompute_scores(conn, [str(world.wrestler)])
        body = (
            await client.get(f"/api/v1/wrestlers/{world.wrestler}/supplements/score", headers=world.admin)
        ).json()
        assert body["score"] is None


class TestAccess:
    async def test_other_coach_forbidden(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(url(world, "overall"), headers=world.other_coach)).status_code == 403

    async def test_athlete_own_allowed(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(url(world, "domains"), headers=world.athlete)).status_code == 200

    async def test_no_token(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(url(world, "explanation"))).status_code == 401
