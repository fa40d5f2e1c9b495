"""Training program and calendar: a re-POST replaces the day's program, every set is kept as sent."""

from __future__ import annotations

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import World, local_date, make_world


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


def url(w: World, path: str, wrestler: object = None) -> str:
    return f"/api/v1/wrestlers/{wrestler or w.wrestler}/{path}"


PROGRAM = {
    "date": "",
    "readiness": 8,
    "sessionRPE": 7,
    "bodyweight": 86.0,
    "hydration": 3.0,
    "notes": "felt good",
    "exercises": [
        {"name": "Squat", "sets": [{"reps": 8, "weight": 100}, {"reps": 6, "weight": 110}]},
        {"name": "Mobility", "sets": []},
    ],
}


class TestTrainingProgram:
    async def test_empty_today(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "training-program"), headers=world.admin)).json()
        assert body == {
            "date": local_date(0),
            "readiness": None,
            "sessionRPE": None,
            "bodyweight": None,
            "hydration": None,
            "notes": None,
            "exercises": [],
        }

    async def test_roundtrip_keeps_every_set(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            url(world, "training-program"), headers=world.coach, json={**PROGRAM, "date": local_date(0)}
        )
        assert (r.status_code, r.json()) == (200, {"success": True})
        body = (await client.get(url(world, "training-program"), headers=world.coach)).json()
        assert body == {
            **PROGRAM,
            "date": local_date(0),
            "exercises": [
                {"name": "Squat", "sets": [{"reps": 8, "weight": 100.0}, {"reps": 6, "weight": 110.0}]},
                {"name": "Mobility", "sets": []},
            ],
        }

    async def test_repost_replaces(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        day = local_date(0)
        await client.post(url(world, "training-program"), headers=world.admin, json={**PROGRAM, "date": day})
        await client.post(
            url(world, "training-program"),
            headers=world.admin,
            json={"date": day, "exercises": [{"name": "Bench", "sets": [{"reps": 5, "weight": 80}]}]},
        )
        body = (await client.get(url(world, "training-program"), headers=world.admin)).json()
        assert body["readiness"] is None
        assert body["exercises"] == [{"name": "Bench", "sets": [{"reps": 5, "weight": 80.0}]}]
        assert await conn.fetchval("SELECT count(*) FROM training_program_blocks") == 1

    async def test_bad_date_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            url(world, "training-program"), headers=world.admin, json={"date": "2026/01/01"}
        )
        assert r.status_code == 422 and r.json()["error"] == "VALIDATION_ERROR"

    async def test_athlete_may_post_own(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            url(world, "training-program"), headers=world.athlete, json={"date": local_date(0)}
        )
        assert r.status_code == 200

    async def test_athlete_may_not_post_other(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            url(world, "training-program", world.other), headers=world.athlete, json={"date": local_date(0)}
        )
        assert r.status_code == 403


class TestCalendar:
    async def test_month_with_blocks_and_empty_exercise(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await client.post(
            url(world, "training-program"), headers=world.admin, json={**PROGRAM, "date": "2026-03-10"}
        )
        await client.post(url(world, "training-program"), headers=world.admin, json={"date": "2026-04-01"})
        body = (await client.get(url(world, "calendar?month=3&year=2026"), headers=world.admin)).json()
        assert body == {
            "programs": [
                {
                    "date": "2026-03-10",
                    "title": None,
                    "focus": None,
                    "blocks": [
                        {"name": "Squat", "sets": 2, "reps": "6-8"},
                        {"name": "Mobility", "sets": 0, "reps": "0"},
                    ],
                    "nutrition": None,
                    "recovery": None,
                    "aiRecommendations": [],
                }
            ]
        }

    async def test_empty_month(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "calendar"), headers=world.admin)).json()
        assert body == {"programs": []}

    async def test_month_out_of_range(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "calendar?month=13"), headers=world.admin)
        assert r.status_code == 422
