"""Team board: /teams/{id}/stats and /teams/{id}/athletes."""

from __future__ import annotations

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import World, local_date, local_noon, make_world, write
from tests.helpers import create_team


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


class TestStats:
    async def test_empty_scores(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(f"/api/v1/teams/{world.team}/stats", headers=world.coach)).json()
        assert body == {"totalAthletes": 1, "averageScore": None, "competitionReady": 1, "needsAttention": 0}

    async def test_average_of_latest_overall(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        second = await conn.fetchval(
            """INSERT INTO wrestlers (team_id, name_fa, name_en, weight_class, status)
               VALUES ($1, 'ب', 'Ali', 65, 'attention') RETURNING id""",
            world.team,
        )
        await write(conn, world.wrestler, [("adherence", local_noon(2), 40.0)])
        await write(conn, world.wrestler, [("adherence", local_noon(1), 80.0)])
        await write(conn, second, [("adherence", local_noon(1), 60.0)])
        body = (await client.get(f"/api/v1/teams/{world.team}/stats", headers=world.admin)).json()
        assert body == {"totalAthletes": 2, "averageScore": 70.0, "competitionReady": 1, "needsAttention": 1}

    async def test_unknown_team_404(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get("/api/v1/teams/00000000-0000-0000-0000-000000000000/stats", headers=world.admin)
        assert r.status_code == 404

    async def test_other_coach_403(self, client: httpx.AsyncClient, world: World) -> None:
        assert (
            await client.get(f"/api/v1/teams/{world.team}/stats", headers=world.other_coach)
        ).status_code == 403

    async def test_athlete_403(self, client: httpx.AsyncClient, world: World) -> None:
        assert (
            await client.get(f"/api/v1/teams/{world.team}/stats", headers=world.athlete)
        ).status_code == 403


class TestAthletes:
    async def test_cards(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        await write(conn, world.wrestler, [("adherence", local_noon(1), 80.0)])
        await client.post(
            f"/api/v1/wrestlers/{world.wrestler}/training-program",
            headers=world.admin,
            json={"date": local_date(0)},
        )
        r = await client.get(f"/api/v1/teams/{world.team}/athletes", headers=world.coach)
        assert r.headers["X-Total-Count"] == "1"
        assert r.json() == {
            "athletes": [
                {
                    "id": str(world.wrestler),
                    "nameFa": "حسن",
                    "weightClass": 86,
                    "overallScore": 80.0,
                    "currentActivity": None,
                    "insights": [{"label": "Competition Ready", "type": "success"}],
                    "trainingWeek": 1,
                    "totalWeeks": 8,
                    "trainingLoad": None,  # no session or rest-day data
                }
            ]
        }

    async def test_without_data_nulls(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(f"/api/v1/teams/{world.other_team}/athletes", headers=world.admin)).json()
        (card,) = body["athletes"]
        assert (card["overallScore"], card["trainingWeek"], card["totalWeeks"], card["insights"]) == (
            None,
            None,
            None,
            [],
        )

    async def test_order_and_paging(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        for name in ("Zed", "Amir"):
            await conn.execute(
                """INSERT INTO wrestlers (team_id, name_fa, name_en, weight_class)
                                  VALUES ($1, 'x', $2, 70)""",
                world.team,
                name,
            )
        r = await client.get(f"/api/v1/teams/{world.team}/athletes?limit=2&offset=1", headers=world.admin)
        assert r.headers["X-Total-Count"] == "3"
        assert [a["nameFa"] for a in r.json()["athletes"]] == ["حسن", "x"]

    async def test_empty_page(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(f"/api/v1/teams/{world.team}/athletes?offset=10", headers=world.admin)
        assert (r.status_code, r.json(), r.headers["X-Total-Count"]) == (200, {"athletes": []}, "1")

    async def test_unknown_team_404(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get("/api/v1/teams/not-a-uuid/athletes", headers=world.admin)
        assert r.status_code == 404

    async def test_teamless_coach_403(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(f"/api/v1/teams/{world.team}/athletes", headers=world.teamless_coach)
        assert r.status_code == 403


class TestTeamWithoutWrestlers:
    async def test_stats_and_board_are_empty_not_404(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        team = await create_team(conn, "Empty Team")
        stats = await client.get(f"/api/v1/teams/{team}/stats", headers=world.admin)
        assert (stats.status_code, stats.json()) == (
            200,
            {"totalAthletes": 0, "averageScore": None, "competitionReady": 0, "needsAttention": 0},
        )
        board = await client.get(f"/api/v1/teams/{team}/athletes", headers=world.admin)
        assert (board.status_code, board.json()) == (200, {"athletes": []})
        assert board.headers["X-Total-Count"] == "0"
