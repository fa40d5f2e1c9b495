"""Teams: list and detail scoped by role, admin writes."""

from __future__ import annotations

import httpx

from db.types import PgConn
from tests.helpers import API, make_world


class TestTeams:
    async def test_admin_lists_all_in_name_order(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.get(f"{API}/teams", headers=world.admin.headers)
        assert r.headers["x-total-count"] == "2"
        assert [(t["name"], t["totalAthletes"]) for t in r.json()["teams"]] == [("Team A", 2), ("Team B", 1)]

    async def test_coach_lists_own_team(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.get(f"{API}/teams", headers=world.coach_b.headers)
        assert [t["id"] for t in r.json()["teams"]] == [str(world.team_b)]

    async def test_get_team(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.get(f"{API}/teams/{world.team_a}", headers=world.coach_a.headers)
        assert (r.json()["name"], r.json()["totalAthletes"]) == ("Team A", 2)

    async def test_delete_keeps_wrestlers_without_team(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.delete(f"{API}/teams/{world.team_b}", headers=world.admin.headers)
        assert r.json() == {"success": True}
        assert await conn.fetchval("SELECT team_id FROM wrestlers WHERE id = $1", world.w3) is None

    async def test_rename(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        await client.put(f"{API}/teams/{world.team_b}", json={"name": "Bravo"}, headers=world.admin.headers)
        assert await conn.fetchval("SELECT name FROM teams WHERE id = $1", world.team_b) == "Bravo"
