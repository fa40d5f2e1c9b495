"""Wrestlers CRUD: scoped lists in a stable order, writes by staff of the team."""

from __future__ import annotations

import httpx

from db.types import PgConn
from tests.helpers import API, make_world


class TestListWrestlers:
    async def test_admin_sees_all_in_name_order_with_total(
        self, conn: PgConn, client: httpx.AsyncClient
    ) -> None:
        world = await make_world(conn, client)
        r = await client.get(f"{API}/wrestlers?limit=2&offset=1", headers=world.admin.headers)
        assert r.headers["x-total-count"] == "3"
        assert [w["nameEn"] for w in r.json()["wrestlers"]] == ["Alpha Two", "Bravo Three"]

    async def test_coach_sees_own_team(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.get(f"{API}/wrestlers", headers=world.coach_a.headers)
        assert {w["id"] for w in r.json()["wrestlers"]} == {str(world.w1), str(world.w2)}

    async def test_teamless_coach_sees_nobody(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.get(f"{API}/wrestlers", headers=world.teamless_coach.headers)
        assert (r.json(), r.headers["x-total-count"]) == ({"wrestlers": []}, "0")

    async def test_athlete_sees_only_self(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.get(f"{API}/wrestlers", headers=world.athlete.headers)
        assert [w["id"] for w in r.json()["wrestlers"]] == [str(world.w1)]


class TestWriteWrestlers:
    async def test_coach_creates_in_own_team(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.post(
            f"{API}/wrestlers",
            json={"nameFa": "ن", "nameEn": "New", "weightClass": 74},
            headers=world.coach_a.headers,
        )
        assert r.status_code == 201 and r.json()["teamId"] == str(world.team_a)

    async def test_admin_create_with_unknown_team_is_422(
        self, conn: PgConn, client: httpx.AsyncClient
    ) -> None:
        world = await make_world(conn, client)
        r = await client.post(
            f"{API}/wrestlers",
            json={
                "nameFa": "ن",
                "nameEn": "New",
                "weightClass": 74,
                "teamId": "00000000-0000-4000-8000-000000000000",
            },
            headers=world.admin.headers,
        )
        assert r.status_code == 422 and "body.teamId" in r.json()["details"]

    async def test_put_null_clears_image(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        await conn.execute("UPDATE wrestlers SET image_url = 'x.png' WHERE id = $1", world.w1)
        await client.put(
            f"{API}/wrestlers/{world.w1}", json={"imageUrl": None}, headers=world.coach_a.headers
        )
        assert await conn.fetchval("SELECT image_url FROM wrestlers WHERE id = $1", world.w1) is None

    async def test_coach_cannot_move_a_wrestler(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.put(
            f"{API}/wrestlers/{world.w1}", json={"teamId": str(world.team_b)}, headers=world.coach_a.headers
        )
        assert r.status_code == 403

    async def test_delete_cascades_to_data(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        await conn.execute(
            "INSERT INTO section_scores (wrestler_id, section_key, score, grade, recorded_at)"
            " VALUES ($1, 'overview', 80, 'good', now())",
            world.w1,
        )
        r = await client.delete(f"{API}/wrestlers/{world.w1}", headers=world.admin.headers)
        assert r.json() == {"success": True}
        assert (
            await conn.fetchval("SELECT count(*) FROM section_scores WHERE wrestler_id = $1", world.w1) == 0
        )
